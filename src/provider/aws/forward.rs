//! Port forwarding sessions (Session Manager): StartSession on a task's container with a port
//! forwarding document, what the session-manager-plugin is given (as the AWS CLI's
//! `ssm start-session` gives it), and TerminateSession so no session is left on the agent.

use super::{Target, sdk_error};
use crate::exec::forward::{ForwardSpec, Upstream};
use crate::exec::plugin::{self, PluginRun};
use crate::exec::{Secret, Session};
use crate::provider::ProviderError;
use std::collections::HashMap;
use std::path::PathBuf;

/// ssm:StartSession for `spec` with its plugin listening on `plugin_port`, then the plugin's
/// run: the session through its environment, the region, the profile, the whole request and
/// the SSM endpoint.
pub async fn start_port_session(
    t: &Target,
    spec: &ForwardSpec,
    plugin_port: u16,
    endpoint_override: Option<&str>,
    program: PathBuf,
) -> Result<Upstream, ProviderError> {
    let request = spec.start_session_request(plugin_port);
    let answer = t
        .ssm
        .start_session()
        .target(spec.target())
        .document_name(spec.document())
        .set_parameters(Some(parameters(&request)))
        .send()
        .await
        .map_err(|e| sdk_error("ssm:StartSession", e))?;
    let session = Session {
        session_id: answer.session_id().unwrap_or("").to_string(),
        stream_url: answer.stream_url().unwrap_or("").to_string(),
        token: Secret::new(answer.token_value().unwrap_or("")),
    };
    if session.session_id.is_empty() || session.stream_url.is_empty() {
        return Err(ProviderError::Other("ssm:StartSession returned no session".into()));
    }
    let endpoint = plugin::ssm_endpoint(&t.region, endpoint_override);
    let run = PluginRun::forward(program, &session, &t.region, t.profile.as_deref(), &request, &endpoint);
    Ok(Upstream::Plugin { session_id: session.session_id, run })
}

/// ssm:TerminateSession: the session ends for good on the agent.
pub async fn terminate_session(t: &Target, id: &str) -> Result<(), ProviderError> {
    t.ssm.terminate_session().session_id(id).send().await.map_err(|e| sdk_error("ssm:TerminateSession", e))?;
    Ok(())
}

/// The request's `Parameters` (every value a list of strings) as the SDK takes them.
fn parameters(request: &serde_json::Value) -> HashMap<String, Vec<String>> {
    request["Parameters"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let values =
                        v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect());
                    (k.clone(), values.unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::forward::Reach;

    #[test]
    fn the_sdk_gets_the_parameters_of_the_request_the_plugin_gets() {
        let spec = ForwardSpec {
            service: crate::domain::ResourceRef::EcsService { cluster: "c".into(), service: "s".into() },
            cluster: "c".into(),
            task: "t".into(),
            container: "app".into(),
            runtime_id: "r".into(),
            reach: Reach::RemoteHost { host: "db.internal".into(), port: 5432 },
            local_port: 15432,
            label: "s".into(),
        };
        let p = parameters(&spec.start_session_request(40001));
        assert_eq!(p.len(), 3);
        assert_eq!(p["portNumber"], ["5432"]);
        assert_eq!(p["localPortNumber"], ["40001"]);
        assert_eq!(p["host"], ["db.internal"]);
    }
}
