//! The async twins of the §5 dispatch, for hosts that must not block (an IDE, a dev server):
//! `getOrBuildCachedProjectDataAsync`, `beginCachedProjectDataAsync` and
//! `CachedProjectDataHandle.commitAsync`. The contract's names stay the synchronous ones, as
//! `fingerprintSync` / `fingerprint` pair up the other way round for the engine: a host swapping
//! the TypeScript core for cachecore keeps calling what it called, and opts into `…Async`.
//!
//! What runs where:
//! - on the libuv pool: `begin` (meta.json maintenance, files.json and its hints, the walks,
//!   stat and hashing, the envelope of analysis.json, and the read of the stored data the
//!   decision uses), and `commit` (the atomic writes);
//! - on the JavaScript thread, between them: `JSON.parse` of the stored data, the host's
//!   `parseCachedData`, the decision, the `producer` (a promise it returns is awaited) and
//!   `JSON.stringify` of its data.
//!
//! An `AbortSignal` stops the walks and the hashing between directories and files, and any step
//! not begun yet (the producer, the commit): the promise rejects with an `AbortError` and nothing
//! is persisted. Everything else behaves as the synchronous forms, which share these helpers.

use std::cell::RefCell;
use std::rc::Rc;

use napi::bindgen_prelude::{
    ClassInstance, Function, JsObjectValue, Object, ToNapiValue, TypeName, Unknown, ValueType,
};
use napi::{Env, JsValue, ScopedTask, UnknownRef};
use napi_derive::napi;

use super::async_control::AsyncControl;
use super::contract_dispatch::{
    call_producer, decide_begun, defined, dispatch_input, handle_of, result_with, stringify_timed,
    take_commit, validator, CachedProjectDataHandle, CachedProjectInput, CachedProjectResult,
    DispatchTimings,
};
use super::errors::{arg, coded_type_error, exported, failpoint, guarded, invalid, to_js};
use super::fingerprint::FingerprintProgress;
use super::handoff::HeldValue;
use crate::core::contract::analysis_file::JsonData;
use crate::core::contract::dispatch::{self as core, DispatchInput, DispatchPlan};
use crate::core::error::CoreError;

/// A JavaScript value handed back from a closure or a task as is.
pub struct Raw(napi::sys::napi_value);

impl TypeName for Raw {
    fn type_name() -> &'static str {
        "unknown"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ToNapiValue for Raw {
    unsafe fn to_napi_value(
        _: napi::sys::napi_env,
        v: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        Ok(v.0)
    }
}

/// The references of an async dispatch's JavaScript values (released when it settles).
fn unref(env: &Env, r: &mut Option<UnknownRef>) {
    if let Some(r) = r.take() {
        let _ = r.unref(env);
    }
}

/// What `begin` gave on the pool.
pub enum Begun {
    /// The state to decide on.
    Ready(Box<core::DispatchBegin>),
    /// A core failure (an abort included).
    Failed(CoreError),
    /// A bad input, found before any work (rejected as it was made).
    Invalid(napi::Error),
}

/// `begin` on the libuv pool; `resolve` decides on the JavaScript thread and then hands out a
/// handle (`beginCachedProjectDataAsync`) or goes on to the producer and the commit
/// (`getOrBuildCachedProjectDataAsync`).
pub struct BeginTask {
    input: Option<napi::Result<DispatchInput>>,
    control: AsyncControl,
    validator: Option<UnknownRef>,
    /// The producer, for `getOrBuildCachedProjectDataAsync`.
    producer: Option<UnknownRef>,
    /// The failpoint of the work on the pool (`<export>.begin`).
    failpoint: &'static str,
}

impl<'task> ScopedTask<'task> for BeginTask {
    type Output = Begun;
    type JsValue = Raw;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let input = match self.input.take() {
            Some(Ok(input)) => input,
            Some(Err(e)) => return Ok(Begun::Invalid(e)),
            None => return Ok(Begun::Failed(CoreError::Internal("task ran twice".into()))),
        };
        let ctl = self.control.control();
        let name = self.failpoint;
        let begun = guarded(|| {
            failpoint(name);
            let io = crate::core::contract::io::NativeIo::new(&input.location.root_dir);
            let begun = core::begin_with_control(&io, input, &ctl)?;
            // The stored data the decision will use is read here, off the JavaScript thread.
            if let Some(data) = begun.previous_data() {
                let _ = data.text();
            }
            ctl.finish();
            Ok(begun)
        });
        Ok(match begun {
            Ok(b) => Begun::Ready(Box::new(b)),
            Err(e) => Begun::Failed(e),
        })
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        // A host function that threw left its exception pending (`call_host`): it becomes the
        // rejection, the very value it threw.
        self.decide_and_produce(env, output)
            .map_err(|e| super::errors::caught(env, e))
    }

    fn finally(mut self, env: Env) -> napi::Result<()> {
        self.control.release(&env);
        unref(&env, &mut self.validator);
        unref(&env, &mut self.producer);
        Ok(())
    }
}

impl BeginTask {
    /// `parseCachedData`, the decision, and the producer when it is needed, on this thread.
    fn decide_and_produce(&mut self, env: &Env, output: Begun) -> napi::Result<Raw> {
        let begun = match output {
            Begun::Ready(b) => *b,
            Begun::Failed(CoreError::Aborted) => return Err(self.control.abort_error(env)),
            Begun::Failed(e) => return Err(to_js(env, &e)),
            Begun::Invalid(e) => return Err(e),
        };
        // Aborted while the pool finished: the host's callbacks are not called.
        if self.control.cancelled() {
            return Err(self.control.abort_error(env));
        }
        let check = match &self.validator {
            Some(r) => validator(env, Some(r.get_value(env)?))?,
            None => None,
        };
        let decided = decide_begun(env, begun, check.as_ref())?;
        match &self.producer {
            None => {
                let handle = handle_of(env, decided)?;
                // SAFETY: a class instance made in this env's current scope.
                Ok(Raw(unsafe {
                    ToNapiValue::to_napi_value(env.raw(), handle)?
                }))
            }
            Some(p) => {
                let producer = p.get_value(env)?;
                let Decided {
                    plan,
                    parsed,
                    served,
                    timings,
                } = Decided::from(decided);
                // The signal's reference moves on with the next step only once it is certain;
                // on a failure here it stays, and `finally` releases it.
                if !plan.needs_producer() {
                    return spawn_commit(env, plan, None, served, timings, self.control.handoff());
                }
                let value = call_producer(env, producer, &plan, parsed)?;
                after_producer(env, value, plan, timings, &mut self.control)
            }
        }
    }
}

/// The parts of a decided dispatch the async path keeps.
struct Decided<'a> {
    plan: DispatchPlan,
    parsed: Option<Unknown<'a>>,
    served: Option<Unknown<'a>>,
    timings: DispatchTimings,
}

impl<'a> From<super::contract_dispatch::Decided<'a>> for Decided<'a> {
    fn from(d: super::contract_dispatch::Decided<'a>) -> Self {
        let served = d.served();
        Decided {
            parsed: d.parsed,
            timings: d.timings,
            plan: d.plan,
            served,
        }
    }
}

/// The producer returned `value`: awaited when it is a promise (any thenable), then serialised
/// and committed on the pool. Returns the promise of the result.
fn after_producer(
    env: &Env,
    value: Unknown<'_>,
    plan: DispatchPlan,
    timings: DispatchTimings,
    control: &mut AsyncControl,
) -> napi::Result<Raw> {
    let then = match value.get_type()? {
        ValueType::Object | ValueType::Function => {
            let o: Object<'_> = arg(env, value, "the producer's value")?;
            let then: Unknown<'_> = o.get_named_property("then")?;
            (then.get_type()? == ValueType::Function).then_some(then)
        }
        _ => None,
    };
    let Some(then) = then else {
        let ctl = control.handoff();
        return produced(
            env,
            value,
            plan,
            timings,
            ctl,
            "the producer returned undefined",
        );
    };
    let then: Function<'_, napi::bindgen_prelude::FnArgs<(Unknown<'_>, Unknown<'_>)>, Unknown<'_>> =
        arg(env, then, "then")?;
    // The state moves into whichever callback runs (once).
    let state = Rc::new(RefCell::new(Some((plan, timings, control.handoff()))));
    let on_ok = {
        let state = state.clone();
        env.create_function_from_closure::<Unknown<'_>, Raw, _>("cachecoreProduced", move |cx| {
            let Some((plan, timings, ctl)) = state.borrow_mut().take() else {
                return Err(napi::Error::from_reason(
                    "the producer's promise settled twice",
                ));
            };
            let value: Unknown<'_> = cx.get(0)?;
            produced(
                cx.env,
                value,
                plan,
                timings,
                ctl,
                "the producer's promise resolved to undefined",
            )
        })?
    };
    let on_error = env.create_function_from_closure::<Unknown<'_>, Raw, _>(
        "cachecoreProducerFailed",
        move |cx| {
            if let Some((_, _, mut ctl)) = state.borrow_mut().take() {
                ctl.release(cx.env);
            }
            // The producer's rejection, unchanged.
            let reason: Unknown<'_> = cx.get(0)?;
            Err(napi::Error::from(reason))
        },
    )?;
    let derived = then.apply(
        value,
        napi::bindgen_prelude::FnArgs::from((on_ok.to_unknown(), on_error.to_unknown())),
    )?;
    Ok(Raw(derived.raw()))
}

/// The producer's data is in: serialised here, committed on the pool.
fn produced(
    env: &Env,
    value: Unknown<'_>,
    plan: DispatchPlan,
    timings: DispatchTimings,
    mut ctl: AsyncControl,
    undefined: &str,
) -> napi::Result<Raw> {
    if ctl.cancelled() {
        let e = ctl.abort_error(env);
        ctl.release(env);
        return Err(e);
    }
    let value = match defined(env, value, undefined) {
        Ok(v) => v,
        Err(e) => {
            ctl.release(env);
            return Err(e);
        }
    };
    let (raw, timings, started) = match stringify_timed(env, value, timings) {
        Ok(t) => t,
        Err(e) => {
            ctl.release(env);
            return Err(e);
        }
    };
    spawn_commit_at(env, plan, Some(raw), Some(value), timings, started, ctl)
}

fn spawn_commit(
    env: &Env,
    plan: DispatchPlan,
    produced: Option<JsonData>,
    data: Option<Unknown<'_>>,
    timings: DispatchTimings,
    ctl: AsyncControl,
) -> napi::Result<Raw> {
    let started = std::time::Instant::now();
    spawn_commit_at(env, plan, produced, data, timings, started, ctl)
}

fn spawn_commit_at(
    env: &Env,
    plan: DispatchPlan,
    produced: Option<JsonData>,
    data: Option<Unknown<'_>>,
    timings: DispatchTimings,
    started: std::time::Instant,
    ctl: AsyncControl,
) -> napi::Result<Raw> {
    let data = match data.map(|v| HeldValue::hold(env, v)).transpose() {
        Ok(d) => d,
        Err(e) => {
            let mut ctl = ctl;
            ctl.release(env);
            return Err(e);
        }
    };
    let task = CommitTask {
        work: Some(Ok((plan, produced))),
        data,
        timings,
        started,
        control: ctl,
    };
    let promise = env.spawn(task)?.promise_object();
    Ok(Raw(promise.raw()))
}

/// `commit` on the libuv pool (the atomic writes under the project lock).
pub struct CommitTask {
    work: Option<napi::Result<(DispatchPlan, Option<JsonData>)>>,
    /// The value the result serves (the producer's, or the parsed stored data).
    data: Option<HeldValue>,
    timings: DispatchTimings,
    started: std::time::Instant,
    control: AsyncControl,
}

/// What `commit` gave on the pool.
pub enum Committed {
    /// Persisted (or skipped with a warning, as the sync form), with the `cache` info already
    /// serialised.
    Done(Box<core::DispatchOutcome>, String),
    /// A core failure (an abort included).
    Failed(CoreError),
    /// A failure found before any work.
    Invalid(napi::Error),
}

impl<'task> ScopedTask<'task> for CommitTask {
    type Output = Committed;
    type JsValue = CachedProjectResult<'task>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let (plan, produced) = match self.work.take() {
            Some(Ok(w)) => w,
            Some(Err(e)) => return Ok(Committed::Invalid(e)),
            None => {
                return Ok(Committed::Failed(CoreError::Internal(
                    "task ran twice".into(),
                )))
            }
        };
        // Aborted before the writes began: nothing is persisted.
        if self.control.cancelled() {
            return Ok(Committed::Failed(CoreError::Aborted));
        }
        Ok(
            match guarded(|| {
                failpoint("commitAsync.commit");
                let outcome = core::commit(plan, produced)?;
                let cache = serde_json::to_string(&outcome.cache)
                    .map_err(|e| CoreError::Internal(format!("serialise: {e}")))?;
                Ok((outcome, cache))
            }) {
                Ok((o, cache)) => Committed::Done(Box::new(o), cache),
                Err(e) => Committed::Failed(e),
            },
        )
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        let (outcome, cache) = match output {
            Committed::Done(o, cache) => (*o, cache),
            Committed::Failed(CoreError::Aborted) => return Err(self.control.abort_error(env)),
            Committed::Failed(e) => return Err(to_js(env, &e)),
            Committed::Invalid(e) => return Err(e),
        };
        let data = self.data.as_ref().map(|r| r.get(env)).transpose()?;
        result_with(env, outcome, Some(cache), data, self.timings, self.started)
    }

    fn finally(mut self, env: Env) -> napi::Result<()> {
        self.control.release(&env);
        if let Some(d) = self.data.take() {
            let _ = d.release(&env);
        }
        Ok(())
    }
}

/// The input's `onProgress` and `signal`, checked: a value of the wrong type is a `TypeError`
/// thrown at once, as `fingerprint` throws it.
fn async_control(env: &Env, i: &CachedProjectInput<'_>) -> napi::Result<AsyncControl> {
    let on_progress = match i.on_progress {
        Some(v) if !matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) => {
            if v.get_type()? != ValueType::Function {
                let e = CoreError::invalid_option("onProgress", "expected a function");
                return Err(coded_type_error(env, e.code(), e.to_string()));
            }
            Some(arg::<Function<'_, FingerprintProgress, ()>>(
                env,
                v,
                "onProgress",
            )?)
        }
        _ => None,
    };
    let signal = match i.signal {
        Some(v) if !matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) => {
            if v.get_type()? != ValueType::Object {
                let e = CoreError::invalid_option("signal", "expected an AbortSignal");
                return Err(coded_type_error(env, e.code(), e.to_string()));
            }
            Some(arg::<Object<'_>>(env, v, "signal")?)
        }
        _ => None,
    };
    AsyncControl::new(env, on_progress, signal)
}

/// A reference to an optional function argument (`None` when absent).
fn fn_ref(v: Option<Unknown<'_>>) -> napi::Result<Option<UnknownRef>> {
    match v {
        Some(v) if v.get_type()? == ValueType::Function => Ok(Some(v.create_ref()?)),
        _ => Ok(None),
    }
}

/// A host's IO ports (`io`) are called synchronously, on the JavaScript thread: the async twins
/// refuse them (`INVALID_OPTION`).
fn no_host_io(env: &Env, i: &CachedProjectInput<'_>) -> napi::Result<()> {
    match i.io {
        Some(v) if !matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) => {
            Err(invalid(
                env,
                "io",
                "a host's IO ports are called synchronously: use getOrBuildCachedProjectData",
            ))
        }
        _ => Ok(()),
    }
}

fn spawn_begin<'a>(
    env: &'a Env,
    input: Unknown<'a>,
    failpoint: &'static str,
    with_producer: bool,
) -> napi::Result<Raw> {
    let i: CachedProjectInput<'a> = arg(env, input, "input")?;
    let control = async_control(env, &i)?;
    // A bad option (an unknown key too) rejects the promise like any other failure (decision 9).
    let mut prepared = super::contract_dispatch::check_dispatch_keys(env, input)
        .and_then(|()| no_host_io(env, &i))
        .and_then(|()| dispatch_input(env, &i, None));
    if prepared.is_ok() {
        if let Err(e) = validator(env, i.parse_cached_data) {
            prepared = Err(e);
        }
    }
    let producer = if with_producer {
        match i.producer {
            Some(p) if p.get_type()? == ValueType::Function => Some(p.create_ref()?),
            _ => {
                prepared = Err(invalid(env, "producer", "expected a function"));
                None
            }
        }
    } else {
        None
    };
    let task = BeginTask {
        input: Some(prepared),
        control,
        validator: fn_ref(i.parse_cached_data)?,
        producer,
        failpoint,
    };
    let promise = env.spawn(task)?.promise_object();
    Ok(Raw(promise.raw()))
}

/// The input of `getOrBuildCachedProjectDataAsync<T>`: a `CachedProjectInput<T>` whose producer
/// may return a promise, which is awaited (TypeScript only: at run time it is the same object).
#[napi(
    object,
    object_to_js = false,
    object_from_js = false,
    js_name = "CachedProjectInputAsync<T = unknown> extends Omit<CachedProjectInput<T>, 'producer'>"
)]
pub struct CachedProjectInputAsync {
    /// Builds the data: `producer(ctx)` when the cache is on, `producer()` with no argument when
    /// it is off; a returned promise (any thenable) is awaited.
    #[napi(ts_type = "(ctx?: CacheProducerContext<T>) => T | PromiseLike<T>")]
    pub producer: (),
}

/// The body of an async dispatch export: the promise of its begin task. Its failpoints are the
/// export's name (this thread) and `<name>.begin` (the pool).
fn begin_export<'a>(
    env: &'a Env,
    input: Unknown<'a>,
    export: &'static str,
    pool_failpoint: &'static str,
    with_producer: bool,
) -> napi::Result<Unknown<'a>> {
    exported(env, export, || {
        let raw = spawn_begin(env, input, pool_failpoint, with_producer)?;
        // SAFETY: the promise was made in this env's current scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), raw.0) })
    })
}

/// `getOrBuildCachedProjectDataAsync(input) -> Promise<{ data, cache, memoryHit, fromWatcher, timings }>`:
/// `getOrBuildCachedProjectData` without blocking. The walks, stat, hashing and the reads of the
/// cache files run on the libuv pool, then `parseCachedData` and the decision on this thread,
/// then `producer(ctx)` (its promise awaited when it returns one), then the writes on the pool.
/// `input.onProgress` reports the walk and the hashing; `input.signal` aborts (an `AbortError`,
/// nothing persisted). A producer that throws or rejects rejects the promise with the same
/// value, and nothing is persisted; `undefined` (or a promise of it) is `INVALID_DATA`.
#[napi(
    ts_generic_types = "T = unknown",
    ts_args_type = "input: CachedProjectInputAsync<T>",
    ts_return_type = "Promise<CachedProjectResult<T>>"
)]
pub fn get_or_build_cached_project_data_async<'a>(
    env: &'a Env,
    input: Unknown<'a>,
) -> napi::Result<Unknown<'a>> {
    begin_export(
        env,
        input,
        "getOrBuildCachedProjectDataAsync",
        "getOrBuildCachedProjectDataAsync.begin",
        true,
    )
}

/// `beginCachedProjectDataAsync(input) -> Promise<CachedProjectDataHandle>`:
/// `beginCachedProjectData` without blocking (the walks, stat, hashing and reads on the libuv
/// pool; `parseCachedData` and the decision on this thread). Run the producer when
/// `handle.needsProducer`, then `handle.commitAsync(data)` (or `commit`). `input.onProgress` and
/// `input.signal` as for `getOrBuildCachedProjectDataAsync`; `input.producer` is ignored.
#[napi(
    ts_generic_types = "T = unknown",
    ts_args_type = "input: CachedProjectInput<T>",
    ts_return_type = "Promise<CachedProjectDataHandleOf<T>>"
)]
pub fn begin_cached_project_data_async<'a>(
    env: &'a Env,
    input: Unknown<'a>,
) -> napi::Result<Unknown<'a>> {
    begin_export(
        env,
        input,
        "beginCachedProjectDataAsync",
        "beginCachedProjectDataAsync.begin",
        false,
    )
}

#[napi]
impl CachedProjectDataHandle {
    /// `commit` without blocking: the data is serialised on this thread, the atomic writes run
    /// on the libuv pool. Rejects as `commit` throws (`ALREADY_COMMITTED`, `INVALID_DATA`, in
    /// which case the handle stays uncommitted).
    #[napi(
        ts_args_type = "data?: unknown",
        ts_return_type = "Promise<CachedProjectResult>"
    )]
    pub fn commit_async<'a>(
        &mut self,
        env: &'a Env,
        data: Option<Unknown<'a>>,
    ) -> napi::Result<Unknown<'a>> {
        exported(env, "CachedProjectDataHandle.commitAsync", || {
            let (work, data, timings, started) = match take_commit(env, self, data) {
                Ok(p) => (Ok((p.plan, p.produced)), p.data, p.timings, p.started),
                Err(e) => (
                    Err(e),
                    None,
                    DispatchTimings::default(),
                    std::time::Instant::now(),
                ),
            };
            let task = CommitTask {
                work: Some(work),
                data: data.map(|v| HeldValue::hold(env, v)).transpose()?,
                timings,
                started,
                control: AsyncControl::none(),
            };
            let promise = env.spawn(task)?.promise_object();
            // SAFETY: the promise was made in this env's current scope.
            Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), promise.raw()) })
        })
    }
}

/// `commitCachedProjectDataAsync(handle, data?)`: `handle.commitAsync(data)`.
#[napi(
    ts_generic_types = "T = unknown",
    ts_args_type = "handle: CachedProjectDataHandleOf<T>, data?: T",
    ts_return_type = "Promise<CachedProjectResult<T>>"
)]
pub fn commit_cached_project_data_async<'a>(
    env: &'a Env,
    handle: Unknown<'a>,
    data: Option<Unknown<'a>>,
) -> napi::Result<Unknown<'a>> {
    exported(env, "commitCachedProjectDataAsync", || {
        let mut handle: ClassInstance<'a, CachedProjectDataHandle> = arg(env, handle, "handle")?;
        handle.commit_async(env, data)
    })
}
