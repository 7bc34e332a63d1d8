//! Integration tests of the scenario runner: against the embedded reference server, a remote
//! one, a tampering proxy and a capturing mock, and through the `scimulate` binary.

mod support;

mod capabilities;
mod cli;
mod entra;
mod entra_settings;
mod every_check_can_fail;
mod exclusive;
mod faults;
mod interrupt;
mod jumpcloud;
mod load;
mod lockdown;
mod okta;
mod own_checks;
mod preflight;
mod real_server_classes;
mod record;
mod safety;
mod secrets;
mod target_profile;
mod tls;
mod wire;
