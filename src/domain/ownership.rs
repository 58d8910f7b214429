//! Who manages a resource as code: one answer, decided from what AWS records (the resource's
//! tags: CloudFormation's `aws:cloudformation:*`, a Terraform or `ManagedBy` tag), used alike by
//! the plan, the detail view's drift, the export and the code change.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IacTool {
    /// CloudFormation, and what deploys through it (SAM, CDK).
    CloudFormation,
    Terraform,
    /// Another tool named by a `ManagedBy` tag.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "OwnershipWire")]
pub struct Ownership {
    pub tool: IacTool,
    /// `aws:cloudformation:stack-name`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// `aws:cloudformation:logical-id`: the resource's name in its template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logical_id: Option<String>,
    /// As people say it: "CloudFormation stack web-prod", "Terraform", "ManagedBy=pulumi".
    pub label: String,
}

/// Plans written before ownership was typed carry the label alone.
#[derive(Deserialize)]
#[serde(untagged)]
enum OwnershipWire {
    Typed { tool: IacTool, stack: Option<String>, logical_id: Option<String>, label: String },
    Label(String),
}

impl From<OwnershipWire> for Ownership {
    fn from(w: OwnershipWire) -> Ownership {
        match w {
            OwnershipWire::Typed { tool, stack, logical_id, label } => Ownership { tool, stack, logical_id, label },
            OwnershipWire::Label(label) => {
                let tool = if label.starts_with("CloudFormation") {
                    IacTool::CloudFormation
                } else if label == "Terraform" {
                    IacTool::Terraform
                } else {
                    IacTool::Other
                };
                let stack = label.strip_prefix("CloudFormation stack ").map(str::to_string);
                Ownership { tool, stack, logical_id: None, label }
            }
        }
    }
}

impl fmt::Display for Ownership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

impl Ownership {
    pub fn cloudformation(stack: &str, logical_id: Option<&str>) -> Ownership {
        Ownership {
            tool: IacTool::CloudFormation,
            stack: Some(stack.to_string()),
            logical_id: logical_id.map(str::to_string),
            label: format!("CloudFormation stack {stack}"),
        }
    }

    /// Owned by code found in a checkout, untagged: "the Terraform at services.tf:3 …".
    pub fn declared_in(tool: IacTool, declared: &str) -> Ownership {
        let what = match tool {
            IacTool::CloudFormation => "CloudFormation",
            IacTool::Terraform => "Terraform",
            IacTool::Other => "code",
        };
        Ownership { tool, stack: None, logical_id: None, label: format!("the {what} at {declared}") }
    }

    /// From a resource's tags (the task definition's and the service's together); None when
    /// nothing says it is managed as code.
    pub fn from_tags<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Ownership> {
        let mut stack = None;
        let mut logical_id = None;
        let mut other = None;
        for (k, v) in tags {
            match k {
                "aws:cloudformation:stack-name" => stack = Some(v),
                "aws:cloudformation:logical-id" => logical_id = Some(v),
                _ => {
                    let (kl, vl) = (k.to_ascii_lowercase(), v.to_ascii_lowercase());
                    if vl.contains("terraform") || kl.contains("terraform") {
                        other = Some(Ownership {
                            tool: IacTool::Terraform,
                            stack: None,
                            logical_id: None,
                            label: "Terraform".into(),
                        });
                    } else if kl == "managedby" && !vl.is_empty() && other.is_none() {
                        other = Some(Ownership {
                            tool: IacTool::Other,
                            stack: None,
                            logical_id: None,
                            label: format!("{k}={v}"),
                        });
                    }
                }
            }
        }
        match stack {
            Some(stack) => Some(Ownership::cloudformation(stack, logical_id)),
            None => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_comes_from_cloudformation_or_terraform_tags_and_reads_old_plans() {
        let cfn = Ownership::from_tags([
            ("team", "pay"),
            ("aws:cloudformation:logical-id", "OrdersTaskDefinition"),
            ("aws:cloudformation:stack-name", "web-prod"),
        ])
        .unwrap();
        assert_eq!(cfn.label, "CloudFormation stack web-prod");
        assert_eq!(cfn.logical_id.as_deref(), Some("OrdersTaskDefinition"));
        assert_eq!(Ownership::from_tags([("ManagedBy", "Terraform")]).unwrap().tool, IacTool::Terraform);
        assert_eq!(Ownership::from_tags([("terraform", "true")]).unwrap().label, "Terraform");
        assert_eq!(Ownership::from_tags([("ManagedBy", "pulumi")]).unwrap().label, "ManagedBy=pulumi");
        assert_eq!(Ownership::from_tags([("team", "pay")]), None);
        let old: Ownership = serde_json::from_str("\"CloudFormation stack web-prod\"").unwrap();
        assert_eq!((old.tool, old.stack.as_deref()), (IacTool::CloudFormation, Some("web-prod")));
        let json = serde_json::to_string(&cfn).unwrap();
        assert_eq!(serde_json::from_str::<Ownership>(&json).unwrap(), cfn);
        assert!(json.contains("\"tool\":\"cloudformation\""), "{json}");
    }
}
