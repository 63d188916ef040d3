//! Canonical JSON: the exact bytes the audit chain hashes and certificates are signed over.
//!
//! Rules: object keys sorted by their UTF-8 bytes, no whitespace, strings escaped as
//! `serde_json` escapes them, numbers as `serde_json` prints them (integers in decimal, floats
//! in their shortest round-trip form). Written by hand, not by relying on `serde_json::Map`
//! being a `BTreeMap`, because any crate in a build enabling serde_json's `preserve_order`
//! feature would silently change that order and break every signature.

use serde_json::Value;

/// The canonical bytes of a JSON value.
pub fn to_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write(value, &mut out);
    out
}

/// The canonical text of a JSON value.
pub fn to_string(value: &Value) -> String {
    String::from_utf8(to_bytes(value)).expect("serde_json writes UTF-8")
}

fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(&Value::String(key.clone()), out);
                out.push(b':');
                write(&map[key], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

fn write_scalar(value: &Value, out: &mut Vec<u8>) {
    serde_json::to_writer(out, value).expect("writing JSON to memory cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_depth_and_whitespace_dropped() {
        let v = json!({"b": 1, "a": {"z": [true, null, 1.5], "y": "é\n"}});
        assert_eq!(
            to_string(&v),
            r#"{"a":{"y":"é\n","z":[true,null,1.5]},"b":1}"#
        );
    }
}
