//! AWS Compute Optimizer's answer beside infradeck's: matched to each service, compared size for
//! size and in dollars, and a disagreement explained in terms of the evidence ("it sizes on the
//! service's maximum + 20 %; infradeck's evidence needs …"). Pure: no I/O.

use super::catalog::{FargateRates, HOURS_PER_MONTH};
use super::recommend::{EcsRecommendation, fmt_vcpu, vcpu};
use crate::domain::optimizer::{OptimizerAnswer, OptimizerRecommendation, OptimizerUnavailable};
use crate::domain::{EcsService, LaunchType};
use serde::Serialize;
use std::collections::HashMap;

/// Compute Optimizer's standing on one service, as `report --format json` writes it
/// (`compute_optimizer` on every ECS record) and the detail view shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizerView {
    /// `recommended`, `not-opted-in`, `not-authorized`, `not-fargate`, `no-recommendation`,
    /// `unavailable`.
    pub status: &'static str,
    /// Why there is no recommendation, in words; None when there is one.
    pub reason: Option<String>,
    pub recommendation: Option<OptimizerRecommendation>,
    /// infradeck's proposed size against Compute Optimizer's.
    pub agreement: Option<Agreement>,
    /// infradeck's monthly cost at its size minus at Compute Optimizer's (same prices, same
    /// task count), USD: negative, infradeck's is cheaper.
    pub monthly_difference: Option<f64>,
    /// One line on why the two differ, in terms of the evidence; on agreement, what both say.
    pub explanation: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Agreement {
    Same,
    /// infradeck's size is larger (on one dimension, the other equal or larger).
    Larger,
    Smaller,
    /// Larger on one dimension, smaller on the other.
    Mixed,
}

impl Agreement {
    pub fn label(self) -> &'static str {
        match self {
            Agreement::Same => "same size",
            Agreement::Larger => "infradeck larger",
            Agreement::Smaller => "infradeck smaller",
            Agreement::Mixed => "mixed",
        }
    }
}

impl OptimizerView {
    fn without(status: &'static str, reason: String) -> OptimizerView {
        OptimizerView {
            status,
            reason: Some(reason),
            recommendation: None,
            agreement: None,
            monthly_difference: None,
            explanation: None,
        }
    }

    /// The detail view's lines: its finding and sizes, projected utilization, savings and risk,
    /// then how infradeck's answer compares; or why there is none.
    pub fn notes(&self) -> Vec<String> {
        let Some(r) = &self.recommendation else {
            return vec![format!("Compute Optimizer: {}", self.reason.as_deref().unwrap_or(self.status))];
        };
        let size = |s: Option<(u32, u32)>| s.map_or("—".into(), |(c, m)| crate::common::format::task_size(c, m));
        let pct = |p: Option<f64>| p.map_or("—".into(), |p| format!("{p:.0} %"));
        let mut first = format!("Compute Optimizer: {}", r.finding);
        if !r.reason_codes.is_empty() {
            first.push_str(&format!(" ({})", r.reason_codes.join(", ")));
        }
        first.push_str(&format!(
            ": {} → {} · risk {}",
            size(Some(r.current)),
            size(r.recommended),
            r.performance_risk.as_deref().unwrap_or("—")
        ));
        if let Some(saving) = r.savings_monthly.filter(|s| *s > 0.0) {
            first.push_str(&format!(" · saves {}/month", crate::common::format::money(saving)));
        }
        let mut lines = vec![first];
        lines.push(format!(
            "  · its evidence: the service's maximum CPU {} and memory {} over {:.0} d{}{}",
            pct(r.cpu_max_percent),
            pct(r.memory_max_percent),
            r.lookback_days,
            r.refreshed.map_or(String::new(), |t| format!(", refreshed {}", t.format("%Y-%m-%d %H:%M UTC"))),
            match (r.skips_cpu(), r.skips_memory()) {
                (true, _) => "; CPU not sized (target tracking on CPU)",
                (_, true) => "; memory not sized (target tracking on memory)",
                _ => "",
            }
        ));
        if let (Some(c), Some(m)) = (r.projected_cpu_percent, r.projected_memory_percent) {
            lines.push(format!(
                "  · projected at its size: CPU {:.0}–{:.0} %, memory {:.0}–{:.0} %",
                c.0, c.1, m.0, m.1
            ));
        }
        if !r.containers.is_empty() {
            let each: Vec<String> = r
                .containers
                .iter()
                .map(|c| {
                    let mem = match (c.memory, c.memory_reservation) {
                        (Some(h), _) => format!("{h} MiB"),
                        (None, Some(s)) => format!("{s} MiB soft"),
                        (None, None) => "—".into(),
                    };
                    format!("{} {} CPU / {mem}", c.name, c.cpu.map_or("—".into(), |c| c.to_string()))
                })
                .collect();
            lines.push(format!("  · its containers: {}", each.join("; ")));
        }
        if let (Some(a), Some(e)) = (self.agreement, &self.explanation) {
            let dollars = self.monthly_difference.filter(|d| d.abs() >= 0.005).map_or(String::new(), |d| {
                format!(", {}{}/month", if d > 0.0 { "+" } else { "" }, crate::common::format::money(d))
            });
            lines.push(format!("  · vs infradeck ({}{dollars}): {e}", a.label()));
        }
        lines
    }

    /// "1 vCPU / 2 GiB (infradeck smaller)", or the reason there is none, for a table cell.
    pub fn cell(&self) -> String {
        match (&self.recommendation, self.agreement) {
            (Some(r), Some(a)) => {
                format!(
                    "{} ({})",
                    r.recommended.map_or("—".into(), |(c, m)| crate::common::format::task_size(c, m)),
                    a.label()
                )
            }
            _ => self.status.replace('-', " "),
        }
    }
}

/// `(account id, region, cluster if the ARN names it, service)` of an ECS service ARN, long
/// (`service/CLUSTER/NAME`) or short (`service/NAME`, services created before the long format).
fn parts(arn: &str) -> Option<(&str, &str, Option<&str>, &str)> {
    let mut f = arn.splitn(6, ':');
    let (_arn, _partition, _ecs, region, account, resource) =
        (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
    let path = resource.strip_prefix("service/")?;
    Some(match path.split_once('/') {
        Some((cluster, name)) => (account, region, Some(cluster), name),
        None => (account, region, None, path),
    })
}

/// `(region, cluster, service)` of a long-format service ARN.
type Place<'a> = (&'a str, &'a str, &'a str);

struct Lookup<'a> {
    by_arn: HashMap<&'a str, &'a OptimizerRecommendation>,
    /// Every long-format ARN's place, with its account (checked on a hit).
    by_parts: HashMap<Place<'a>, Vec<(&'a str, &'a OptimizerRecommendation)>>,
}

impl<'a> Lookup<'a> {
    /// Indexed once per report: an estate has thousands of services and as many recommendations.
    fn of(answer: &'a OptimizerAnswer) -> Self {
        let mut lookup = Lookup { by_arn: HashMap::new(), by_parts: HashMap::new() };
        for r in &answer.recommendations {
            lookup.by_arn.entry(r.service_arn.as_str()).or_insert(r);
            if let Some((account, region, Some(cluster), name)) = parts(&r.service_arn) {
                lookup.by_parts.entry((region, cluster, name)).or_default().push((account, r));
            }
        }
        lookup
    }

    /// Compute Optimizer's recommendation for this service: by the ARN AWS gave the service
    /// (Compute Optimizer names it the same way, short format included); for a service without
    /// one (the demo), by account, region, cluster and name.
    fn find(&self, s: &EcsService) -> Option<&'a OptimizerRecommendation> {
        let key = &s.identity;
        if let Some(arn) = &key.aws_arn {
            return self.by_arn.get(arn.as_str()).copied();
        }
        let candidates =
            self.by_parts.get(&(key.origin.region.as_str(), key.cluster.as_str(), key.service.as_str()))?;
        candidates
            .iter()
            .find(|(account, _)| key.origin.account_id.as_deref().is_none_or(|a| a == *account))
            .map(|(_, r)| *r)
    }
}

#[cfg(test)]
fn find<'a>(answer: &'a OptimizerAnswer, s: &EcsService) -> Option<&'a OptimizerRecommendation> {
    Lookup::of(answer).find(s)
}

/// Every recommendation gets Compute Optimizer's standing, when the provider asked it.
pub fn attach(recs: &mut [EcsRecommendation], services: &[EcsService], answer: &OptimizerAnswer, rates: &FargateRates) {
    if !answer.asked {
        return;
    }
    let by_key: HashMap<String, &EcsService> = services.iter().map(|s| (s.key(), s)).collect();
    let lookup = Lookup::of(answer);
    for rec in recs.iter_mut() {
        let Some(service) = by_key.get(&rec.service) else {
            continue;
        };
        rec.compute_optimizer = Some(view(rec, service, &lookup, answer, rates));
    }
}

fn view(
    rec: &EcsRecommendation,
    s: &EcsService,
    lookup: &Lookup,
    answer: &OptimizerAnswer,
    rates: &FargateRates,
) -> OptimizerView {
    if s.launch_type != LaunchType::Fargate {
        return OptimizerView::without(
            "not-fargate",
            "Compute Optimizer sizes ECS services on Fargate only (this one runs on EC2)".into(),
        );
    }
    if let Some(co) = lookup.find(s) {
        return compare(rec, s, co, rates);
    }
    let origin = &s.identity.origin;
    let unavailable = answer
        .unavailable
        .iter()
        .find(|(o, _)| o.region == origin.region && (o.account_id.is_none() || o.account_id == origin.account_id));
    match unavailable {
        Some((_, why @ OptimizerUnavailable::NotOptedIn)) => OptimizerView::without("not-opted-in", why.words()),
        Some((_, why @ OptimizerUnavailable::NotAuthorized(_))) => {
            OptimizerView::without("not-authorized", why.words())
        }
        Some((_, why)) => OptimizerView::without("unavailable", why.words()),
        None if s.running == 0 => OptimizerView::without(
            "no-recommendation",
            "no recommendation: no tasks running, so no utilization for it to size on".into(),
        ),
        None => OptimizerView::without(
            "no-recommendation",
            "no recommendation yet: it needs 24 h of CPU and memory utilization in the last 14 days, and \
             refreshes once a day"
                .into(),
        ),
    }
}

/// The size Compute Optimizer stands for: its option, with the current CPU (memory) where target
/// tracking makes it leave that dimension alone.
fn theirs(co: &OptimizerRecommendation, current: (u32, u32)) -> (u32, u32) {
    let (mut cpu, mut mem) = co.recommended.unwrap_or(current);
    if co.skips_cpu() {
        cpu = current.0;
    }
    if co.skips_memory() {
        mem = current.1;
    }
    (cpu, mem)
}

fn compare(
    rec: &EcsRecommendation,
    s: &EcsService,
    co: &OptimizerRecommendation,
    rates: &FargateRates,
) -> OptimizerView {
    let ours = rec.proposed.unwrap_or(rec.current);
    let their = theirs(co, rec.current);
    use std::cmp::Ordering::*;
    let agreement = match (ours.0.cmp(&their.0), ours.1.cmp(&their.1)) {
        (Equal, Equal) => Agreement::Same,
        (Greater, Less) | (Less, Greater) => Agreement::Mixed,
        (Greater, _) | (_, Greater) => Agreement::Larger,
        _ => Agreement::Smaller,
    };
    let tasks = s.running.max(s.desired) as f64;
    let monthly = |(c, m): (u32, u32)| rates.mixed_task_hourly(s.arch, c, m, s.spot_share) * tasks * HOURS_PER_MONTH;
    let difference = (rec.proposed.is_some()).then(|| monthly(ours) - monthly(their));
    OptimizerView {
        status: "recommended",
        reason: None,
        recommendation: Some(co.clone()),
        agreement: Some(agreement),
        monthly_difference: difference,
        explanation: Some(explain(rec, co, ours, their)),
    }
}

/// The last evidence line about `what` (the one that decided that dimension), without its label.
fn deciding<'a>(rec: &'a EcsRecommendation, what: &[&str]) -> Option<&'a str> {
    rec.evidence
        .iter()
        .rev()
        .find(|e| what.iter().any(|w| e.contains(w)) && !e.starts_with("backtest"))
        .map(|e| e.strip_prefix("CPU: ").or_else(|| e.strip_prefix("memory: ")).unwrap_or(e))
}

fn explain(rec: &EcsRecommendation, co: &OptimizerRecommendation, ours: (u32, u32), their: (u32, u32)) -> String {
    let size = |(c, m): (u32, u32)| crate::common::format::task_size(c, m);
    if rec.proposed.is_none() {
        return format!(
            "Compute Optimizer proposes {}; infradeck makes no proposal ({})",
            size(their),
            rec.evidence.first().map_or("no evidence", String::as_str)
        );
    }
    if ours == their {
        return format!("both size it {}", size(ours));
    }
    let cpu_differs = ours.0 != their.0;
    if cpu_differs && co.skips_cpu() {
        return format!(
            "Compute Optimizer does not size CPU under CPU target tracking (it keeps {} vCPU); infradeck: {}",
            fmt_vcpu(vcpu(rec.current.0)),
            deciding(rec, &["CPU"]).unwrap_or("sized from usage")
        );
    }
    // Its rule (shared/reference/rightsizing-methods.md): the service's Maximum over the
    // lookback, + 20 %, snapped to a Fargate size.
    let days = co.lookback_days.round();
    if cpu_differs {
        let need = co.cpu_max_percent.map(|p| p / 100.0 * vcpu(co.current.0) as f64 * 1.2);
        return format!(
            "CPU: Compute Optimizer {} vCPU from the service's maximum over {days:.0} d{} + 20 %; infradeck {} vCPU — {}",
            fmt_vcpu(vcpu(their.0)),
            need.map_or(String::new(), |n| format!(
                " ({:.0} % of {} vCPU → {} vCPU)",
                co.cpu_max_percent.unwrap_or_default(),
                fmt_vcpu(vcpu(co.current.0)),
                fmt_vcpu(n as f32)
            )),
            fmt_vcpu(vcpu(ours.0)),
            deciding(rec, &["CPU"]).unwrap_or("from usage")
        );
    }
    let need = co.memory_max_percent.map(|p| p / 100.0 * co.current.1 as f64 * 1.2);
    format!(
        "memory: Compute Optimizer {} MiB from the service's maximum over {days:.0} d{} + 20 %; infradeck {} MiB — {}",
        their.1,
        need.map_or(String::new(), |n| format!(
            " ({:.0} % of {} MiB → {:.0} MiB)",
            co.memory_max_percent.unwrap_or_default(),
            co.current.1,
            n
        )),
        ours.1,
        deciding(rec, &["memory", "OOM"]).unwrap_or("from usage")
    )
}

/// Across the estate: how often infradeck and Compute Optimizer agree, and the dollars between
/// them (`report`'s summary line). None when no service has a recommendation.
pub fn agreement_summary(recs: &[EcsRecommendation]) -> Option<String> {
    let views: Vec<&OptimizerView> = recs.iter().filter_map(|r| r.compute_optimizer.as_ref()).collect();
    let compared: Vec<&&OptimizerView> = views.iter().filter(|v| v.agreement.is_some()).collect();
    let unavailable = views.iter().find(|v| matches!(v.status, "not-opted-in" | "not-authorized" | "unavailable"));
    if compared.is_empty() {
        return unavailable.and_then(|v| v.reason.as_ref()).map(|r| format!("Compute Optimizer: {r}"));
    }
    let count = |a: Agreement| compared.iter().filter(|v| v.agreement == Some(a)).count();
    let between: f64 = compared.iter().filter_map(|v| v.monthly_difference).sum();
    let fargate = views.iter().filter(|v| v.status != "not-fargate").count();
    Some(format!(
        "Compute Optimizer: {} of {} Fargate services compared: same size {}, infradeck larger {}, smaller {}, mixed {}; \
         infradeck's sizes cost {}/month {} than Compute Optimizer's",
        compared.len(),
        fargate,
        count(Agreement::Same),
        count(Agreement::Larger),
        count(Agreement::Smaller),
        count(Agreement::Mixed),
        crate::common::format::money(between.abs()),
        if between <= 0.0 { "less" } else { "more" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Arch, AutoScaling, UsageHistory};
    use crate::sizing::recommend::{Policy, recommend};

    fn service(cpu: u32, mem: u32) -> EcsService {
        let mut s = EcsService::sized("prod", "web", LaunchType::Fargate, Arch::X86, (cpu, mem), 2);
        s.identity.origin.account_id = Some("123456789012".into());
        s.identity.origin.region = "us-east-1".into();
        s
    }

    fn history(cpu: f32, mem: f32) -> UsageHistory {
        UsageHistory { step_seconds: 3_600, cpu_vcpu: vec![cpu; 336], memory_mib: vec![mem; 336], ..Default::default() }
    }

    fn theirs(arn: &str, current: (u32, u32), recommended: (u32, u32), cpu_pct: f64) -> OptimizerRecommendation {
        OptimizerRecommendation {
            service_arn: arn.into(),
            finding: "Overprovisioned".into(),
            reason_codes: vec!["CPUOverprovisioned".into()],
            current,
            recommended: Some(recommended),
            containers: Vec::new(),
            cpu_max_percent: Some(cpu_pct),
            memory_max_percent: Some(40.0),
            projected_cpu_percent: None,
            projected_memory_percent: None,
            savings_monthly: Some(10.0),
            savings_percent: Some(20.0),
            savings_after_discounts: Some(8.0),
            performance_risk: Some("VeryLow".into()),
            lookback_days: 14.0,
            refreshed: None,
            autoscaling: None,
        }
    }

    fn answer(recs: Vec<OptimizerRecommendation>) -> OptimizerAnswer {
        OptimizerAnswer { recommendations: recs, unavailable: Vec::new(), asked: true }
    }

    #[test]
    fn short_and_long_arns_find_their_service_and_no_other() {
        let mut s = service(2048, 4096);
        let long = "arn:aws:ecs:us-east-1:123456789012:service/prod/web";
        assert!(find(&answer(vec![theirs(long, (2048, 4096), (1024, 2048), 30.0)]), &s).is_some(), "by its parts");
        let other_cluster = "arn:aws:ecs:us-east-1:123456789012:service/staging/web";
        assert!(find(&answer(vec![theirs(other_cluster, (2048, 4096), (1024, 2048), 30.0)]), &s).is_none());
        let elsewhere = "arn:aws:ecs:eu-west-1:123456789012:service/prod/web";
        assert!(find(&answer(vec![theirs(elsewhere, (2048, 4096), (1024, 2048), 30.0)]), &s).is_none());
        // A service older than the long ARN format: AWS names it the short way in both APIs.
        let short = "arn:aws:ecs:us-east-1:123456789012:service/web";
        s.identity.aws_arn = Some(short.into());
        assert!(find(&answer(vec![theirs(short, (2048, 4096), (1024, 2048), 30.0)]), &s).is_some());
        assert!(find(&answer(vec![theirs(long, (2048, 4096), (1024, 2048), 30.0)]), &s).is_none());
    }

    #[test]
    fn a_disagreement_is_explained_by_the_evidence_and_priced() {
        // Busiest task at 0.3 vCPU steady: infradeck 0.5 vCPU; Compute Optimizer (saying max 70 %)
        // 2 vCPU.
        let s = service(2048, 4096);
        let mut recs = vec![recommend(&s, &history(0.3, 900.0), &Policy::default())];
        let a = answer(vec![theirs(
            "arn:aws:ecs:us-east-1:123456789012:service/prod/web",
            (2048, 4096),
            (2048, 2048 * 2),
            70.0,
        )]);
        attach(&mut recs, std::slice::from_ref(&s), &a, &FargateRates::default());
        let v = recs[0].compute_optimizer.as_ref().unwrap();
        assert_eq!(v.agreement, Some(Agreement::Smaller));
        assert!(v.monthly_difference.unwrap() < 0.0, "infradeck's is cheaper: {v:?}");
        let e = v.explanation.as_deref().unwrap();
        assert!(
            e.starts_with("CPU: Compute Optimizer 2 vCPU from the service's maximum over 14 d (70 % of 2 vCPU"),
            "{e}"
        );
        assert!(e.contains("infradeck 0.5 vCPU") && e.contains("p99 of the hottest task"), "{e}");
        assert!(v.notes().iter().any(|l| l.contains("vs infradeck (infradeck smaller")), "{:?}", v.notes());
    }

    #[test]
    fn under_target_tracking_it_keeps_cpu_and_that_is_what_is_said() {
        let mut s = service(2048, 4096);
        s.autoscaling =
            Some(AutoScaling { metric: "ECSServiceAverageCPUUtilization".into(), target: 60.0, min: 2, max: 6 });
        let mut h = history(0.6, 900.0);
        for i in (0..336).step_by(12) {
            h.cpu_vcpu[i] = 2.0; // pinned: tracking is out of room, infradeck sizes CPU up
        }
        let mut recs = vec![recommend(&s, &h, &Policy::default())];
        let mut co = theirs("arn:aws:ecs:us-east-1:123456789012:service/prod/web", (2048, 4096), (2048, 2048), 100.0);
        co.autoscaling = Some("TargetTrackingScalingCpu".into());
        attach(&mut recs, std::slice::from_ref(&s), &answer(vec![co]), &FargateRates::default());
        let v = recs[0].compute_optimizer.as_ref().unwrap();
        let e = v.explanation.as_deref().unwrap();
        assert!(e.starts_with("Compute Optimizer does not size CPU under CPU target tracking"), "{e}");
        assert_eq!(v.agreement, Some(Agreement::Larger));
    }

    #[test]
    fn no_answer_is_a_reason_never_an_error() {
        let s = service(2048, 4096);
        let mut ec2 = service(2048, 4096);
        ec2.launch_type = LaunchType::Ec2;
        ec2.name = "batch".into();
        ec2.identity.service = "batch".into();
        let services = [s.clone(), ec2.clone()];
        let mut recs: Vec<EcsRecommendation> =
            services.iter().map(|s| recommend(s, &history(0.3, 900.0), &Policy::default())).collect();
        let not_opted = OptimizerAnswer {
            recommendations: Vec::new(),
            unavailable: vec![(s.identity.origin.clone(), OptimizerUnavailable::NotOptedIn)],
            asked: true,
        };
        attach(&mut recs, &services, &not_opted, &FargateRates::default());
        let status: Vec<&str> = recs.iter().map(|r| r.compute_optimizer.as_ref().unwrap().status).collect();
        assert_eq!(status, ["not-opted-in", "not-fargate"]);
        assert_eq!(
            agreement_summary(&recs).unwrap(),
            format!("Compute Optimizer: {}", OptimizerUnavailable::NotOptedIn.words())
        );
        // Asked, answered, nothing for this service yet.
        attach(&mut recs, &services, &answer(Vec::new()), &FargateRates::default());
        assert_eq!(recs[0].compute_optimizer.as_ref().unwrap().status, "no-recommendation");
        // Never asked (a provider without it): nothing written.
        let mut fresh = vec![recommend(&s, &history(0.3, 900.0), &Policy::default())];
        attach(&mut fresh, std::slice::from_ref(&s), &OptimizerAnswer::default(), &FargateRates::default());
        assert!(fresh[0].compute_optimizer.is_none());
    }
}
