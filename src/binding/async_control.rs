//! What an async export shares between the JavaScript thread and the libuv pool: the
//! cancellation flag an `AbortSignal` sets, the progress relay to an `onProgress` callback, and
//! the signal itself, whose `reason` becomes the `cause` of the `AbortError` a cancelled call
//! rejects with.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::{FnArgs, Function, JsObjectValue, Object, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, JsValue, Status, UnknownRef};

use super::errors::abort_error;
use super::fingerprint::FingerprintProgress;
use crate::core::control::{Control, Progress, ProgressFn};

/// A weak threadsafe function to a progress callback (it never holds the event loop).
type ProgressTsfn =
    ThreadsafeFunction<FingerprintProgress, (), FingerprintProgress, Status, false, true>;

/// `EventTarget.prototype.addEventListener` as seen from Rust.
type AddEventListener<'a> = Function<'a, FnArgs<(String, Function<'a, (), ()>)>, ()>;

/// The cancellation, progress and signal of one async call.
pub(crate) struct AsyncControl {
    cancel: Arc<AtomicBool>,
    progress: Option<Arc<ProgressTsfn>>,
    signal: Option<UnknownRef>,
}

impl AsyncControl {
    /// No signal, no progress (a step that cannot be aborted).
    pub(crate) fn none() -> Self {
        AsyncControl {
            cancel: Arc::new(AtomicBool::new(false)),
            progress: None,
            signal: None,
        }
    }

    /// The cancellation flag and the signal for a later step of the same call (a commit after
    /// the producer): the signal's reference moves there, progress stays here.
    pub(crate) fn handoff(&mut self) -> Self {
        AsyncControl {
            cancel: self.cancel.clone(),
            progress: None,
            signal: self.signal.take(),
        }
    }

    /// Listens to `signal` (the flag is set at once when it has already aborted) and relays
    /// progress to `on_progress`. The DOM-style `addEventListener('abort', …)` is used, so a
    /// host's own `onabort` is left alone.
    pub(crate) fn new(
        env: &Env,
        on_progress: Option<Function<'_, FingerprintProgress, ()>>,
        signal: Option<Object<'_>>,
    ) -> napi::Result<Self> {
        let cancel = Arc::new(AtomicBool::new(false));
        let progress = match on_progress {
            Some(f) => Some(Arc::new(
                f.build_threadsafe_function::<FingerprintProgress>()
                    .callee_handled::<false>()
                    .weak::<true>()
                    .build()?,
            )),
            None => None,
        };
        let mut out = AsyncControl {
            cancel,
            progress,
            signal: None,
        };
        if let Some(signal) = signal {
            out.listen(env, &signal)?;
            out.signal = Some(signal.to_unknown().create_ref()?);
        }
        Ok(out)
    }

    fn listen(&self, env: &Env, signal: &Object<'_>) -> napi::Result<()> {
        if signal
            .get_named_property::<bool>("aborted")
            .unwrap_or(false)
        {
            self.cancel.store(true, Ordering::Relaxed);
            return Ok(());
        }
        let flag = self.cancel.clone();
        let listener =
            env.create_function_from_closure::<(), (), _>("onCachecoreAbort", move |_| {
                flag.store(true, Ordering::Relaxed);
                Ok(())
            })?;
        let add: AddEventListener<'_> = signal.get_named_property("addEventListener")?;
        add.apply(signal, FnArgs::from(("abort".to_string(), listener)))?;
        Ok(())
    }

    /// The core's control for work on the pool: the cancellation flag and the progress relay.
    pub(crate) fn control(&self) -> Control {
        let progress: Option<Box<ProgressFn>> = self.progress.clone().map(|tsfn| {
            Box::new(move |p: Progress| {
                tsfn.call(p.into(), ThreadsafeFunctionCallMode::NonBlocking);
            }) as Box<ProgressFn>
        });
        Control::new(self.cancel.clone(), progress)
    }

    /// Whether the signal has aborted.
    pub(crate) fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The `AbortError` to reject with: its `cause` is the signal's `reason`.
    pub(crate) fn abort_error(&self, env: &Env) -> napi::Error {
        let reason = self
            .signal
            .as_ref()
            .and_then(|r| r.get_value(env).ok())
            .and_then(|s| unsafe { s.cast::<Object<'_>>() }.ok())
            .and_then(|s| s.get_named_property::<Unknown<'_>>("reason").ok());
        abort_error(env, reason)
    }

    /// Releases the reference to the signal (once the call has settled).
    pub(crate) fn release(&mut self, env: &Env) {
        if let Some(r) = self.signal.take() {
            let _ = r.unref(env);
        }
    }
}
