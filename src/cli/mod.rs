//! Command-line options.

pub mod exec;
pub mod forward;
pub mod plan;
pub mod report;
pub mod review;

use crate::domain::Window;
use clap::{Parser, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExitAfter {
    /// As soon as the first frame is on screen.
    FirstFrame,
    /// When every pane has drawn its first data.
    Loaded,
    /// Panic after the first frame (the terminal-restoration test).
    Panic,
    /// Fail with an error after the first frame (the terminal-restoration test).
    Error,
}

/// `--sizing`: which trade between minutes over capacity and dollars sizing makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SizingProfile {
    Safe,
    Balanced,
}

impl From<SizingProfile> for crate::sizing::recommend::Profile {
    fn from(p: SizingProfile) -> Self {
        match p {
            SizingProfile::Safe => crate::sizing::recommend::Profile::Safe,
            SizingProfile::Balanced => crate::sizing::recommend::Profile::Balanced,
        }
    }
}

/// `--prices`: the account's effective Fargate rate or list prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PriceBasis {
    Effective,
    List,
}

impl From<PriceBasis> for crate::sizing::recommend::Prices {
    fn from(p: PriceBasis) -> Self {
        match p {
            PriceBasis::Effective => crate::sizing::recommend::Prices::Effective,
            PriceBasis::List => crate::sizing::recommend::Prices::List,
        }
    }
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Print right-sizing suggestions without the TUI (for pairing, PRs and CI gates).
    Report {
        #[arg(long, value_enum, default_value_t = crate::report::Format::Table)]
        format: crate::report::Format,
        /// Exit with status 3 when a suggestion has this finding.
        #[arg(long, value_enum)]
        fail_on: Option<crate::report::FailOn>,
        /// The sizing profile: `safe` (no more minutes over capacity than Compute Optimizer's
        /// rule) or `balanced` (no more than VPA's, for the dollars). Default: the config's
        /// `[sizing] profile`, else safe.
        #[arg(long, value_enum)]
        sizing: Option<SizingProfile>,
        /// Price Fargate at the account's effective rate (last full month, Cost Explorer: Savings
        /// Plans included) or at On-Demand list prices. Default: the config's `[sizing] prices`,
        /// else effective where known.
        #[arg(long, value_enum)]
        prices: Option<PriceBasis>,
    },
    /// Print the plan for one service's (or cache group's) suggested change, or its rollback, as code. Never applies.
    Plan {
        /// `cluster/service` (or a service name found in one cluster only), or a Redis replication group id.
        resource: String,
        /// A snippet (terraform, cloudformation, cli, json), or `diff`: the change to the code
        /// that owns it (found under --iac), as a unified diff for `git apply`.
        #[arg(long, value_enum, default_value_t = plan::PlanFormat::Terraform)]
        format: plan::PlanFormat,
        /// Plan returning the service to the revision its last infradeck change replaced.
        #[arg(long)]
        rollback: bool,
        /// A checkout of the Terraform / CloudFormation code that owns the fleet (repeatable;
        /// added to the config's `[iac] paths`).
        #[arg(long, value_name = "DIR")]
        iac: Vec<PathBuf>,
        /// With `--format diff`: write the change into the files (after checking they did not change).
        #[arg(long)]
        write: bool,
        /// With `--format diff`: on a clean git work tree, write the change on a new branch
        /// `infradeck/resize-<resource>-<date>` and commit it as you (never pushed).
        #[arg(long, conflicts_with = "write")]
        branch: bool,
        /// The sizing profile (as `report --sizing`).
        #[arg(long, value_enum)]
        sizing: Option<SizingProfile>,
        /// Effective or list prices (as `report --prices`).
        #[arg(long, value_enum)]
        prices: Option<PriceBasis>,
    },
    /// Look back over the last days: noisy alarms, failed deployments, OOM kills, evictions,
    /// unapplied findings, cost anomalies and the handovers written. Reads only.
    Review {
        /// How many days back (1–90).
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=90))]
        days: u32,
        #[arg(long, value_enum, default_value_t = crate::review::render::Format::Table)]
        format: crate::review::render::Format,
    },
    /// A shell in a container of a service's task (ECS Exec through the session-manager-plugin;
    /// on the demo fleet a simulated one). Checks and explains what usually fails first; refused
    /// in read-only mode; every session goes to the audit log.
    Exec {
        /// `cluster/service`.
        service: String,
        /// A task id (or its first 8+ characters); default: the oldest running task whose exec
        /// agent runs.
        #[arg(long)]
        task: Option<String>,
        /// The container; default: the only one, or the first essential one that is not an agent.
        #[arg(long)]
        container: Option<String>,
        /// The command to run (after `--`); default: `[exec]` in the config, else /bin/sh.
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Forward a local port through a running task of a service, in the foreground until
    /// Ctrl-C: `forward CLUSTER/SERVICE PORT[:LOCAL]` (a container port), or
    /// `forward redis GROUP [LOCAL] --via CLUSTER/SERVICE` (a private ElastiCache endpoint the
    /// task reaches). A session AWS closes is opened again; the session is ended on exit.
    Forward {
        /// `CLUSTER/SERVICE`, or `redis`.
        target: String,
        /// `PORT[:LOCAL]`, or the replication group's id after `redis`.
        first: Option<String>,
        /// After `redis GROUP`: the local port (default: the group's).
        second: Option<String>,
        #[arg(long)]
        task: Option<String>,
        #[arg(long)]
        container: Option<String>,
        /// With `redis`: the service whose task reaches the group (in its VPC).
        #[arg(long, value_name = "CLUSTER/SERVICE")]
        via: Option<String>,
    },
    /// Print a shell completion script: `infradeck completions bash > ~/.local/share/bash-completion/completions/infradeck`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `infradeck man > ~/.local/share/man/man1/infradeck.1`.
    Man,
}

/// The completion script for `shell`, generated from the clap definitions.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "infradeck", &mut out);
    out
}

/// The man page, generated from the clap definitions.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out)?;
    Ok(out)
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "infradeck",
    version,
    about = "A terminal console for ECS task sizing, ElastiCache, cost and CloudWatch alarms"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Run on the built-in simulated fleet (the default while no AWS option is given).
    #[arg(long, global = true)]
    pub demo: bool,

    /// Seed of the simulated fleet: the same seed gives the same fleet.
    #[arg(long, global = true, default_value_t = 42)]
    pub seed: u64,

    /// Build a simulated fleet of exactly N services (and N/10 Redis groups), for load testing.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=200_000))]
    pub demo_scale: Option<u32>,

    /// Theme name (see :theme) or path to a theme file.
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,

    /// Config file (default: the platform config dir, e.g. ~/.config/infradeck/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Metric window the panes start on.
    #[arg(long, value_parser = parse_window)]
    pub window: Option<Window>,

    /// Read AWS with the default credential chain (AWS_PROFILE, AWS_REGION, SSO, …).
    #[arg(long, global = true, conflicts_with = "demo")]
    pub aws: bool,

    /// AWS profile(s), comma-separated.
    #[arg(long, global = true, value_name = "NAME[,NAME]")]
    pub profile: Option<String>,

    /// AWS region(s), comma-separated.
    #[arg(long, global = true, value_name = "REGION[,REGION]")]
    pub region: Option<String>,

    /// Send AWS requests to this endpoint (an emulator such as moto_server).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Every account of the AWS Organization (from the management account or a delegated
    /// administrator), each reached by assuming --org-role.
    #[arg(long, global = true, conflicts_with = "demo")]
    pub org: bool,

    /// The role assumed in each member account (default OrganizationAccountAccessRole).
    #[arg(long, global = true, value_name = "NAME")]
    pub org_role: Option<String>,

    /// Only the accounts under this organizational unit (ou-…), at any depth.
    #[arg(long, global = true, value_name = "OU_ID")]
    pub ou: Option<String>,

    /// Only these account ids, comma-separated.
    #[arg(long, global = true, value_name = "ID[,ID]")]
    pub org_accounts: Option<String>,

    /// With --org: read the metrics of the accounts linked to this CloudWatch cross-account
    /// observability monitoring account (id or name) there, in shared calls.
    #[arg(long, global = true, value_name = "ID|NAME")]
    pub monitoring_account: Option<String>,

    /// Never write to AWS.
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Plans can be "applied" to see the exact requests; nothing is sent.
    #[arg(long)]
    pub dry_run: bool,

    /// Log file (default: the platform data dir's infradeck.log). Never the terminal.
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,

    /// Start the simulated clock at this Unix time, then run in real time (reproducible screenshots).
    #[arg(long, global = true, hide = true, value_name = "UNIX_SECONDS")]
    pub demo_clock: Option<i64>,

    /// Exit after the first frame, or once all panes have loaded (start-time measurements).
    #[arg(long, hide = true, value_enum)]
    pub exit_after: Option<ExitAfter>,
}

fn parse_window(s: &str) -> Result<Window, String> {
    s.parse()
}

impl Cli {
    pub fn wants_aws(&self) -> bool {
        !self.demo
            && (self.aws || self.org || self.profile.is_some() || self.region.is_some() || self.endpoint_url.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_and_man_page_come_from_the_clap_definitions() {
        let bash = String::from_utf8(completions(clap_complete::Shell::Bash)).unwrap();
        for word in ["infradeck", "report", "plan", "--demo-scale", "--read-only", "completions"] {
            assert!(bash.contains(word), "{word} in the bash completions");
        }
        let zsh = String::from_utf8(completions(clap_complete::Shell::Zsh)).unwrap();
        assert!(zsh.starts_with("#compdef infradeck"));
        let man = String::from_utf8(man_page().unwrap()).unwrap();
        assert!(man.contains(".TH infradeck 1"));
        assert!(man.contains("\\-\\-demo\\-scale"), "options described:\n{man}");
    }

    #[test]
    fn aws_options_are_taken_after_the_subcommand_too() {
        // `report --profile prod` and `plan … --endpoint-url URL` are how people type them.
        let cli = Cli::try_parse_from(["infradeck", "report", "--profile", "prod", "--region", "eu-west-1"]).unwrap();
        assert_eq!((cli.profile.as_deref(), cli.region.as_deref()), (Some("prod"), Some("eu-west-1")));
        assert!(cli.wants_aws());
        let cli = Cli::try_parse_from([
            "infradeck",
            "plan",
            "prod-web/checkout",
            "--format",
            "json",
            "--endpoint-url",
            "http://127.0.0.1:5001",
            "--read-only",
            "--config",
            "/tmp/c.toml",
        ])
        .unwrap();
        assert_eq!(cli.endpoint_url.as_deref(), Some("http://127.0.0.1:5001"));
        assert!(cli.read_only && cli.wants_aws() && cli.config.is_some());
        let cli = Cli::try_parse_from(["infradeck", "--aws", "report"]).unwrap();
        assert!(cli.wants_aws(), "before the subcommand still works");
        assert!(
            Cli::try_parse_from(["infradeck", "report", "--aws", "--demo"]).is_err(),
            "--aws conflicts with --demo"
        );
    }
}
