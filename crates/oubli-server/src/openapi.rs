//! The OpenAPI 3 document served at `/v1/openapi.json`. A test checks that its paths are
//! exactly [`crate::ROUTES`] and that each is routed.

use serde_json::{json, Value};

fn error_ref() -> Value {
    json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The document.
pub fn document() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "oubli deletion service", "version": env!("CARGO_PKG_VERSION"),
                 "description": "File deletion requests, watch them be erased, forgotten by the model and verified, fetch signed certificates; predictions from the active model throughout."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
                "Subject": {"oneOf": [
                    {"type": "object", "required": ["owner"], "properties": {"owner": {"type": "string"}}},
                    {"type": "object", "required": ["sample_ids"], "properties": {"sample_ids": {"type": "array", "items": {"type": "integer"}}}}
                ]}
            }
        },
        "paths": {
            "/v1/deletions": {
                "post": {"summary": "File a deletion request (202 once durable)", "security": [{"bearer": []}],
                         "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Subject"}}}},
                         "responses": {"202": {"description": "accepted: {id, status, received, due}"}, "401": error_ref(), "422": error_ref(), "429": error_ref()}},
                "get": {"summary": "List requests", "parameters": [
                            {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["received", "erased", "applied", "verified", "failed", "no_data"]}},
                            {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                        "responses": {"200": {"description": "{requests: [...]}"}, "400": error_ref()}}
            },
            "/v1/deletions/{id}": {
                "get": {"summary": "One request; its signed certificate once verified",
                        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "the request"}, "404": error_ref()}}
            },
            "/v1/deletions/{id}/extension": {
                "post": {"summary": "Extend a pending request's due date by up to 2 months in all, with a reason (GDPR art. 12(3))", "security": [{"bearer": []}],
                         "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                         "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["months", "reason"], "properties": {"months": {"type": "integer", "minimum": 1, "maximum": 2}, "reason": {"type": "string"}}}}}},
                         "responses": {"200": {"description": "the request with its new due date"}, "401": error_ref(), "404": error_ref(), "409": error_ref(), "422": error_ref()}}
            },
            "/v1/predict": {
                "post": {"summary": "Class probabilities from the active model",
                         "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["inputs"], "properties": {"inputs": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}}}}}},
                         "responses": {"200": {"description": "{model_version, probabilities, classes}"}, "413": error_ref(), "422": error_ref()}}
            },
            "/v1/models": {"get": {"summary": "Model versions", "responses": {"200": {"description": "{serving, models}"}}}},
            "/v1/health": {"get": {"summary": "Liveness and the served model", "responses": {"200": {"description": "ok"}}}},
            "/v1/audit/verify": {"get": {"summary": "Walk the hash-chained audit log and replay it against the tables", "responses": {"200": {"description": "{ok, chain, state}"}}}},
            "/v1/public-key": {"get": {"summary": "The Ed25519 key certificates are signed with", "responses": {"200": {"description": "text"}}}},
            "/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text exposition format"}}}}
        }
    })
}
