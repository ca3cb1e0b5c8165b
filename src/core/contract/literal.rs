//! `string_enum!`: a fieldless enum whose variants serialise as fixed contract literals.
//!
//! Each literal is written once, beside its variant; serde, `as_str`, `parse` and `Display`
//! all use it, so the Rust names can never drift from the contract's strings.

/// Declares `pub enum $name` with serde renames, `ALL`, `as_str`, `parse` and `Display`.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $lit:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $lit)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The contract literal for this value.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $lit),+
                }
            }

            /// The value for a contract literal, `None` for any other string.
            pub fn parse(literal: &str) -> Option<Self> {
                match literal {
                    $($lit => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
