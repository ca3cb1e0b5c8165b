//! The host contract (host-contract.md): configuration, policy, helpers and messages.
