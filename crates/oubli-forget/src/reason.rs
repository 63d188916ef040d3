//! Why a forget set is removed. It decides what "forgotten" means to the stopping rule of the
//! fine-tuning family ([`ForgetTarget`](crate::ForgetTarget)), and nothing else.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why the samples are forgotten.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForgetReason {
    /// The samples are genuine (a privacy request, a withdrawn consent): a model that never
    /// saw them still gets most of them right, about as often as unseen data of their class.
    #[default]
    Privacy,
    /// The samples are poisoned (a backdoor trigger, flipped labels): their labels are the
    /// attacker's, and a model that never saw them agrees with them only where it errs. The
    /// forget target is then that error rate, not the class's accuracy: without this, the
    /// methods stop at the first dent in a backdoor that the trigger keeps working through
    /// (measured on MNIST: ASR 95–99% after every approximate method).
    Poisoned,
}

impl ForgetReason {
    /// Every reason, as written on the command line and in JSON.
    pub const NAMES: [&'static str; 2] = ["privacy", "poisoned"];

    /// The name (`privacy`, `poisoned`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Privacy => "privacy",
            Self::Poisoned => "poisoned",
        }
    }
}

impl fmt::Display for ForgetReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ForgetReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "privacy" => Ok(Self::Privacy),
            "poisoned" => Ok(Self::Poisoned),
            other => Err(format!(
                "unknown reason `{other}`; expected one of: {}",
                Self::NAMES.join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_privacy_is_the_default() {
        for name in ForgetReason::NAMES {
            let r: ForgetReason = name.parse().unwrap();
            assert_eq!(r.name(), name);
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{name}\""));
        }
        assert_eq!(ForgetReason::default(), ForgetReason::Privacy);
        assert!("backdoor"
            .parse::<ForgetReason>()
            .unwrap_err()
            .contains("poisoned"));
    }
}
