//! Number and text formatting shared by the panes.

use chrono::{DateTime, Utc};

pub use super::text::{middle, truncate, wrap};

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A one-line sparkline of `values` scaled to `ceiling`, the last `width` buckets (each the max
/// of its points, so spikes survive). Missing points are blanks.
pub fn sparkline(values: &[f32], width: usize, ceiling: f32) -> String {
    if width == 0 || values.is_empty() {
        return String::new();
    }
    let buckets = downsample_max(values, width);
    let ceiling = if ceiling.is_finite() && ceiling > 0.0 { ceiling } else { 1.0 };
    buckets
        .iter()
        .map(|v| {
            if !v.is_finite() || *v < 0.0 {
                ' '
            } else {
                let i = ((v / ceiling) * 7.0).round().clamp(0.0, 7.0) as usize;
                BLOCKS[i]
            }
        })
        .collect()
}

/// A percentage as a whole number, or "—" when there is no data.
pub fn pct(v: f32) -> String {
    if v.is_finite() { format!("{:.0}", v) } else { "—".into() }
}

/// vCPU and memory of a task: "0.25 / 0.5G", "4 / 16G".
pub fn task_size(cpu_units: u32, memory_mib: u32) -> String {
    let vcpu = cpu_units as f32 / 1024.0;
    let gib = memory_mib as f32 / 1024.0;
    format!("{} / {}G", trim_float(vcpu), trim_float(gib))
}

fn trim_float(v: f32) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Bytes per second with a decimal prefix: "4.1M".
pub fn rate(bytes_per_s: f32) -> String {
    let v = bytes_per_s.max(0.0);
    match v {
        v if v >= 1e9 => format!("{:.1}G", v / 1e9),
        v if v >= 1e6 => format!("{:.1}M", v / 1e6),
        v if v >= 1e3 => format!("{:.1}k", v / 1e3),
        v => format!("{v:.0}"),
    }
}

/// A count with k/M suffixes.
pub fn count(n: f64) -> String {
    match n {
        n if n >= 1e6 => format!("{:.1}M", n / 1e6),
        n if n >= 1e4 => format!("{:.0}k", n / 1e3),
        n => format!("{n:.0}"),
    }
}

/// USD with thousands separators and no cents from $1,000 up.
pub fn money(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v.abs() < 1_000.0 {
        return format!("{}${:.2}", if v < 0.0 { "-" } else { "" }, v.abs());
    }
    let whole = v.abs().round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}${out}", if v < 0.0 { "-" } else { "" })
}

/// Signed percent change: "+4.1%".
pub fn change(pct: Option<f64>) -> String {
    pct.map_or("—".into(), |p| format!("{p:+.1}%"))
}

/// Time since `then`: "45s", "12m", "3h05m", "2d4h".
pub fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let s = (now - then).num_seconds().max(0);
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3_600, (s % 3_600) / 60),
        s if s < 2 * 86_400 => format!("{}d{}h", s / 86_400, (s % 86_400) / 3_600),
        s => format!("{}d", s / 86_400),
    }
}

/// Reduce `points` to at most `buckets` values by taking each bucket's maximum, so a spike is
/// never averaged away in a sparkline.
pub fn downsample_max(points: &[f32], buckets: usize) -> Vec<f32> {
    if buckets == 0 || points.is_empty() {
        return Vec::new();
    }
    if points.len() <= buckets {
        return points.to_vec();
    }
    (0..buckets)
        .map(|b| {
            let start = b * points.len() / buckets;
            let end = ((b + 1) * points.len() / buckets).max(start + 1);
            points[start..end].iter().copied().fold(f32::MIN, f32::max)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsample_keeps_spikes() {
        let mut pts = vec![1.0; 100];
        pts[37] = 9.0;
        let d = downsample_max(&pts, 10);
        assert_eq!(d.len(), 10);
        assert_eq!(d[3], 9.0);
        assert_eq!(downsample_max(&[1.0, 2.0], 10), vec![1.0, 2.0]);
    }

    #[test]
    fn formats() {
        assert_eq!(task_size(256, 512), "0.25 / 0.5G");
        assert_eq!(task_size(4096, 16384), "4 / 16G");
        assert_eq!(money(12345.6), "$12,346");
        assert_eq!(money(999.5), "$999.50");
        assert_eq!(money(-363.3), "-$363.30");
        assert_eq!(money(-1234.0), "-$1,234");
        assert_eq!(rate(4_100_000.0), "4.1M");
        assert_eq!(change(Some(4.12)), "+4.1%");
        assert_eq!(pct(f32::NAN), "—");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("ab", 4), "ab");
        assert_eq!(sparkline(&[0.0, 50.0, 100.0], 3, 100.0), "▁▅█");
        assert_eq!(sparkline(&[f32::NAN], 1, 100.0), " ");
        let t = chrono::DateTime::from_timestamp(1_000_000, 0).unwrap();
        assert_eq!(age(t + chrono::Duration::seconds(3_900), t), "1h05m");
    }
}

/// The short name AWS itself uses for a Cost Explorer service ("Amazon Elastic Compute Cloud -
/// Compute" → "EC2"), for narrow tables; others lose their "Amazon "/"AWS " prefix. The full name
/// stays in the detail view.
pub fn short_service_name(name: &str) -> &str {
    const SHORT: &[(&str, &str)] = &[
        ("Amazon Elastic Compute Cloud - Compute", "EC2"),
        ("EC2 - Other", "EC2-Other"),
        ("Amazon Relational Database Service", "RDS"),
        ("Amazon Elastic Container Service", "ECS"),
        ("Amazon EC2 Container Service", "ECS"),
        ("Amazon Elastic Container Service for Kubernetes", "EKS"),
        ("Amazon Elastic Container Registry (ECR)", "ECR"),
        ("Amazon EC2 Container Registry (ECR)", "ECR"),
        ("Amazon ElastiCache", "ElastiCache"),
        ("Amazon Simple Storage Service", "S3"),
        ("AmazonCloudWatch", "CloudWatch"),
        ("Amazon CloudWatch", "CloudWatch"),
        ("Elastic Load Balancing", "ELB"),
        ("Amazon Elastic Load Balancing", "ELB"),
        ("Amazon Elastic Block Store", "EBS"),
        ("Amazon Elastic File System", "EFS"),
        ("Amazon Virtual Private Cloud", "VPC"),
        ("Amazon Simple Queue Service", "SQS"),
        ("Amazon Simple Notification Service", "SNS"),
        ("AWS Key Management Service", "KMS"),
        ("Amazon Route 53", "Route 53"),
    ];
    match SHORT.iter().find(|(full, _)| *full == name) {
        Some((_, short)) => short,
        None => name.strip_prefix("Amazon ").or_else(|| name.strip_prefix("AWS ")).unwrap_or(name),
    }
}

#[cfg(test)]
mod short_names {
    use super::short_service_name;

    #[test]
    fn cost_explorer_names_shorten_as_aws_shortens_them() {
        assert_eq!(short_service_name("Amazon Elastic Compute Cloud - Compute"), "EC2");
        assert_eq!(short_service_name("EC2 - Other"), "EC2-Other");
        assert_eq!(short_service_name("Amazon Relational Database Service"), "RDS");
        assert_eq!(short_service_name("AmazonCloudWatch"), "CloudWatch");
        assert_eq!(short_service_name("AWS Data Transfer"), "Data Transfer");
        assert_eq!(short_service_name("Amazon DynamoDB"), "DynamoDB");
        assert_eq!(short_service_name("Tax"), "Tax");
    }
}
