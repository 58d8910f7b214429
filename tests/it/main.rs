//! Every integration test in one binary: the whole AWS SDK is linked once instead of thirteen
//! times, and libtest runs the tests of all modules side by side (most wait on moto, tmux or an
//! app clock, not on a core). `scripts/test.sh` sets how many run at once.

mod support;

mod app_flow;
mod aws_moto;
mod budget;
mod config_fuzz;
mod e2e_tmux;
mod exec_moto;
mod faults;
mod iac;
mod iac_cdk;
mod iac_flow;
mod incident_flow;
mod optimizer_moto;
mod org;
mod real_shapes;
mod render;
mod report;
mod review;
mod sizing_props;
mod tasks_flow;
