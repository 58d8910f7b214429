#![forbid(unsafe_code)]

use clap::Parser;
use color_eyre::eyre::WrapErr;
use infradeck::app::{Msg, State, update};
use infradeck::cli::{Cli, Command};
use infradeck::config::theme_file::{ThemeSet, looks_like_path};
use infradeck::config::{Config, cache_dir, config_dir};
use infradeck::provider::Provider;
use infradeck::provider::aws::{AwsOptions, AwsProvider};
use infradeck::provider::demo::{Clock, DemoProvider};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// A problem with what the user gave us (files, options): said plainly, exit status 2, no
/// backtrace, and the terminal never touched.
fn usage_error(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("infradeck: {what}\n{e}");
    std::process::exit(2);
}

fn runtime() -> color_eyre::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

fn split_list(s: &Option<String>) -> Vec<String> {
    s.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// The demo fleet unless AWS was asked for. Connecting resolves credentials and the account
/// before the terminal changes, so "no credentials" is a plain message, not a broken screen.
fn provider(cli: &Cli, config: &Config, runtime: &tokio::runtime::Runtime) -> Arc<dyn Provider> {
    // `[aws] org = true` reads AWS unless --demo says otherwise.
    let org_from_config = config.aws.org && !cli.demo;
    if !cli.wants_aws() && !org_from_config {
        let clock = cli.demo_clock.map_or(Clock::System, Clock::starting_at);
        let demo = DemoProvider::new(cli.seed, cli.demo_scale.map(|n| n as usize), clock);
        let protected = config.aws.protected_profiles.iter().any(|p| p == "demo");
        return Arc::new(
            demo.with_read_only(cli.read_only || config.read_only).with_write_flags(cli.dry_run, protected),
        );
    }
    let options = AwsOptions {
        profiles: split_list(&cli.profile),
        regions: split_list(&cli.region),
        endpoint_url: cli.endpoint_url.clone(),
        cache_dir: cache_dir(),
        cost_ttl: Some(config.aws.cost_ttl),
        read_only: cli.read_only || config.read_only,
        read_only_profiles: config.aws.read_only_profiles.clone(),
        protected_profiles: config.aws.protected_profiles.clone(),
        protected_accounts: config.aws.protected_accounts.clone(),
        dry_run: cli.dry_run,
        task_events_log_group: config.aws.task_events_log_group.clone(),
        org: (cli.org || config.aws.org).then(|| infradeck::provider::aws::org::OrgOptions {
            role: cli
                .org_role
                .clone()
                .or_else(|| config.aws.org_role.clone())
                .unwrap_or_else(|| infradeck::provider::aws::org::DEFAULT_ROLE.into()),
            ou: cli.ou.clone(),
            accounts: split_list(&cli.org_accounts),
            monitoring_account: cli.monitoring_account.clone().or_else(|| config.aws.monitoring_account.clone()),
            ..infradeck::provider::aws::org::OrgOptions::default()
        }),
        ..AwsOptions::default()
    };
    match runtime.block_on(AwsProvider::connect(options)) {
        Ok(p) => Arc::new(p),
        Err(e) => {
            usage_error(&format!("cannot connect to AWS: {e}"), format!("{}\nor try `infradeck --demo`", e.hint()))
        }
    }
}

fn run_tui(
    cli: &Cli,
    config: Config,
    runtime: tokio::runtime::Runtime,
    provider: Arc<dyn Provider>,
) -> color_eyre::Result<()> {
    let theme_arg = cli.theme.clone().unwrap_or_else(|| config.theme.clone());
    let explicit_theme = looks_like_path(&theme_arg).then(|| PathBuf::from(&theme_arg));
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let user_themes = config_dir().map(|d| d.join("themes"));
    let themes = ThemeSet::load(user_themes.as_deref(), explicit_theme.as_deref(), no_color)
        .unwrap_or_else(|e| usage_error("did not start: fix the theme file", e));
    let theme_name = match &explicit_theme {
        Some(path) => themes.themes.last().map(|t| t.name.clone()).unwrap_or_else(|| path.display().to_string()),
        None => theme_arg,
    };
    let Some(theme) = themes.index_of(&theme_name) else {
        usage_error(
            &format!("unknown theme '{theme_name}'"),
            format!("have: {} (or give a theme file's path)", themes.names().join(", ")),
        );
    };
    if !std::io::stdout().is_terminal() {
        usage_error(
            "needs a terminal",
            "standard output is not a TTY: run it in a terminal (or use `infradeck report`)",
        );
    }
    tracing::info!(source = %provider.source().label, "starting");

    let now = provider.now();
    let mut state = State::from_config(provider.source(), &config, themes.names(), theme, now).with_local_files();
    if let Some(window) = cli.window {
        state.window = window;
    }
    let first = update(&mut state, Msg::Tick(now));

    let (tui, guard) = infradeck::terminal::init().wrap_err("cannot set up the terminal")?;
    if state.mouse {
        infradeck::terminal::mouse_capture(true).wrap_err("cannot turn on the mouse (mouse = false in the config)")?;
    }
    let result =
        runtime.block_on(infradeck::runtime::run_with_effects(tui, state, themes, provider, first, cli.exit_after));
    // Don't wait for simulation or network tasks still running: the user asked to leave.
    runtime.shutdown_background();
    drop(guard);
    result
}

fn main() -> color_eyre::Result<()> {
    let plain = !std::io::stderr().is_terminal();
    color_eyre::config::HookBuilder::default()
        .theme(if plain { color_eyre::config::Theme::new() } else { color_eyre::config::Theme::dark() })
        .install()?;
    let cli = Cli::parse();
    // Generated text needs no config, provider or terminal.
    match cli.command {
        Some(Command::Completions { shell }) => {
            return Ok(std::io::stdout().write_all(&infradeck::cli::completions(shell))?);
        }
        Some(Command::Man) => return Ok(std::io::stdout().write_all(&infradeck::cli::man_page()?)?),
        _ => {}
    }
    let _log = cli
        .log_file
        .clone()
        .or_else(infradeck::common::logging::default_path)
        .and_then(|p| infradeck::common::logging::init(&p));
    // Everything that can be wrong with the user's files is found before the terminal changes.
    let mut config =
        Config::load(cli.config.as_deref()).unwrap_or_else(|e| usage_error("did not start: fix the config file", e));
    let runtime = runtime()?;
    let provider = provider(&cli, &config, &runtime);
    match cli.command {
        Some(Command::Report { format, fail_on, sizing, prices }) => {
            if let Some(p) = sizing {
                config.sizing.profile = p.into();
            }
            if let Some(p) = prices {
                config.sizing.prices = p.into();
            }
            let report = runtime.block_on(infradeck::cli::report::report(
                provider,
                &config.sizing,
                &config.slo,
                format,
                fail_on,
            ));
            match report {
                Ok(r) => {
                    print!("{}", r.text);
                    if r.tripped {
                        std::process::exit(3);
                    }
                }
                Err(e) => usage_error(&format!("cannot read {}", e.what), format!("{}: {}", e.error, e.error.hint())),
            }
            Ok(())
        }
        Some(Command::Plan { resource, format, rollback, iac, write, branch, sizing, prices }) => {
            if let Some(p) = sizing {
                config.sizing.profile = p.into();
            }
            if let Some(p) = prices {
                config.sizing.prices = p.into();
            }
            let history = rollback.then(|| {
                infradeck::apply::AuditLog::default_location().and_then(|l| l.read().ok()).unwrap_or_default()
            });
            let plan = runtime.block_on(infradeck::cli::plan::plan_for(
                provider.as_ref(),
                &config.sizing,
                &config.slo,
                &resource,
                history.as_deref(),
            ));
            let plan = plan.unwrap_or_else(|e| usage_error(&format!("cannot plan {resource}"), e));
            match format.snippet() {
                Some(snippet) => print!("{}", infradeck::apply::export::export(&plan, snippet)),
                None => {
                    let roots: Vec<_> = iac.into_iter().chain(config.iac.paths.iter().cloned()).collect();
                    use infradeck::cli::plan::{Deliver, PlanFormat};
                    let deliver = match (write, branch) {
                        (_, true) => Deliver::Branch { date: chrono::Local::now().format("%Y-%m-%d").to_string() },
                        (true, _) => Deliver::Write,
                        _ => Deliver::Print,
                    };
                    match infradeck::cli::plan::code_change(&plan, &roots, &deliver) {
                        Ok(change) if format == PlanFormat::Markdown => {
                            eprint!("{}", change.report);
                            print!("{}\n## Diff\n\n```diff\n{}```\n", change.description, change.diff);
                        }
                        Ok(change) => {
                            eprint!("{}", change.report);
                            print!("{}", change.diff);
                        }
                        Err(e) => usage_error(&format!("no code change for {resource}"), e),
                    }
                }
            }
            Ok(())
        }
        Some(Command::Review { days, format }) => {
            let audit = infradeck::apply::AuditLog::default_location().and_then(|l| l.read().ok()).unwrap_or_default();
            let handovers: Vec<infradeck::domain::HandoverRecord> = infradeck::incident::notes::handovers_location()
                .and_then(|p| infradeck::apply::JsonLog::new(p).read_lines().ok())
                .unwrap_or_default();
            let review = runtime.block_on(infradeck::cli::review::review(
                provider.as_ref(),
                days,
                &config.sizing,
                &config.slo,
                &audit,
                &handovers,
            ));
            match review {
                Ok(r) => print!("{}", infradeck::review::render::render(&r, format)),
                Err(e) => usage_error("cannot read the history to review", format!("{e}: {}", e.hint())),
            }
            Ok(())
        }
        Some(Command::Exec { service, task, container, command }) => {
            let args = infradeck::cli::exec::ExecArgs { service, task, container, command };
            let audit = infradeck::apply::AuditLog::default_location().map(|l| l.path().to_path_buf());
            let code = runtime.block_on(infradeck::cli::exec::exec(provider.as_ref(), &config.exec, &args, audit));
            runtime.shutdown_background();
            match code {
                Ok(code) => std::process::exit(code),
                Err(e) => usage_error(&format!("no shell in {}", args.service), e),
            }
        }
        Some(Command::Forward { target, first, second, task, container, via }) => {
            let args = infradeck::cli::forward::ForwardArgs { target, first, second, task, container, via };
            let audit = infradeck::apply::AuditLog::default_location().map(|l| l.path().to_path_buf());
            let done = runtime.block_on(infradeck::cli::forward::forward(provider, &args, audit));
            runtime.shutdown_background();
            match done {
                Ok(()) => Ok(()),
                Err(e) => usage_error(&format!("no forward for {}", args.target), e),
            }
        }
        Some(Command::Completions { .. } | Command::Man) => Ok(()), // answered above
        None => run_tui(&cli, config, runtime, provider),
    }
}
