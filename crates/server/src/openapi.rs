//! The OpenAPI 3.1 document of the API, served at `GET /v1/openapi.json` and kept in
//! docs/openapi.json (a test checks they are equal; `INFOONE_UPDATE_OPENAPI=1 cargo test -p
//! infoone-server --test openapi` rewrites the file). The bill package and result report schemas
//! are the project's published JSON Schemas (docs/schemas), their `$defs` moved under
//! `components/schemas`.

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

const PACKAGE_SCHEMA: &str = include_str!("../../../docs/schemas/bill-package.schema.json");
const REPORT_SCHEMA: &str = include_str!("../../../docs/schemas/result-report.schema.json");

/// Rewrite `#/$defs/x` references to `#/components/schemas/{prefix}x`.
fn rewrite_refs(v: &mut Value, prefix: &str) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get_mut("$ref") {
                if let Some(name) = r.strip_prefix("#/$defs/") {
                    *r = format!("#/components/schemas/{prefix}{name}");
                }
            }
            for (_, child) in o.iter_mut() {
                rewrite_refs(child, prefix);
            }
        }
        Value::Array(a) => {
            for child in a {
                rewrite_refs(child, prefix);
            }
        }
        _ => {}
    }
}

/// Adds the schema (as `name`) and its `$defs` (as `{prefix}def`) to `schemas`.
fn embed(schemas: &mut Map<String, Value>, text: &str, name: &str, prefix: &str) {
    let mut schema: Value = serde_json::from_str(text).unwrap_or_else(|_| json!({}));
    rewrite_refs(&mut schema, prefix);
    if let Value::Object(o) = &mut schema {
        o.remove("$schema");
        o.remove("$id");
        if let Some(Value::Object(defs)) = o.remove("$defs") {
            for (k, v) in defs {
                schemas.insert(format!("{prefix}{k}"), v);
            }
        }
    }
    schemas.insert(name.to_string(), schema);
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn errors(codes: &[&str]) -> Map<String, Value> {
    codes
        .iter()
        .map(|c| (c.to_string(), json!({"$ref": format!("#/components/responses/E{c}")})))
        .collect()
}

fn responses(ok: Value, codes: &[&str]) -> Value {
    let mut m = Map::new();
    if let Value::Object(o) = ok {
        m.extend(o);
    }
    m.extend(errors(codes));
    Value::Object(m)
}

fn json_body(schema: &str, description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

/// The media type of an xlsx workbook (the roster).
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The document.
pub fn document() -> Value {
    let mut schemas = Map::new();
    embed(&mut schemas, PACKAGE_SCHEMA, "BillPackage", "BillPackage_");
    embed(&mut schemas, REPORT_SCHEMA, "ResultReport", "ResultReport_");
    let own = json!({
        "Error": {
            "type": "object",
            "description": "Every error. `message` is Japanese a clerk can act on; some codes carry more members (see the operations).",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "description": "Machine-readable, snake_case."},
                        "message": {"type": "string"},
                        "lines": {"type": "array", "items": {"$ref": "#/components/schemas/MismatchLine"}, "description": "totals_mismatch: the differing lines."},
                        "changes": {"type": "array", "items": {"$ref": "#/components/schemas/PackageChange"}, "description": "stale_package: which parts of the package changed."},
                        "current_version": {"type": "string"},
                        "reported_version": {"type": "string"},
                        "current_month": {"type": "string"},
                        "receipt_no": {"type": "string"},
                        "receipt": {"$ref": "#/components/schemas/Receipt", "description": "already_reported: the receipt the month already has (the clerk records it when its first answer was lost)."},
                        "problems": {"type": "array", "items": {"type": "object"}, "description": "invalid_package, invalid_report, invalid_deductions, invalid_roster: what is wrong. A roster's problems are positioned as the file shows them: `{row, column, value, expected, code}` (row as Excel numbers it, column header as written, the cell's text, what was expected, a stable F-code of docs/OUTPUTS.md)."},
                        "more": {"type": "integer", "description": "invalid_roster: problems found beyond those listed."},
                        "incident": {"type": "string", "description": "5xx: a number to quote to support; the detail is only in the server's log."}
                    },
                    "additionalProperties": true
                }
            }
        },
        "MismatchLine": {
            "type": "object",
            "required": ["office", "field", "reported", "computed"],
            "properties": {
                "office": {"type": "string"},
                "employee_no": {"type": "string", "description": "Set for a member's billed amount (field `billed`)."},
                "field": {"type": "string", "description": "premium_total, fee, fee_tax, invoice_amount, undeducted, collected_fee, collected_fee_tax, payable, or billed."},
                "reported": {"type": ["integer", "null"]},
                "computed": {"type": ["integer", "null"]}
            }
        },
        "PackageChange": {
            "type": "object",
            "required": ["part"],
            "properties": {
                "part": {"type": "string", "description": "month, group, settings, offices, group_products, members, enrollments, pending_applications, billed or carry_over."},
                "before": {"type": ["integer", "string", "null"], "description": "Count in the version the report was made from (null when the server does not know that version)."},
                "after": {"type": ["integer", "string"], "description": "Count now."},
                "changed": {"type": "boolean"}
            }
        },
        "Receipt": {
            "type": "object",
            "required": ["receipt_no", "group", "month", "received_at", "idempotency_key"],
            "properties": {
                "receipt_no": {"type": "string", "pattern": "^R-[0-9]{8}-[0-9]{6,}$", "description": "受付番号."},
                "group": {"type": "string"},
                "month": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
                "received_at": {"type": "string", "format": "date-time", "description": "Japan time, e.g. 2026-12-05T10:00:00+09:00."},
                "idempotency_key": {"type": "string"}
            }
        },
        "Payments": {
            "type": "object",
            "required": ["group", "month", "receipt_no", "offices"],
            "properties": {
                "group": {"type": "string"},
                "month": {"type": "string"},
                "receipt_no": {"type": "string"},
                "offices": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "expected", "received", "status"],
                        "properties": {
                            "code": {"type": "string", "description": "Office code."},
                            "expected": {"type": "integer", "description": "Payable from the accepted report (yen)."},
                            "received": {"type": "integer", "description": "Sum of recorded payments (yen)."},
                            "status": {"enum": ["unpaid", "partial", "paid", "overpaid"], "description": "未入金 / 一部入金 / 入金済 / 過入金."}
                        }
                    }
                }
            }
        },
        "NewPayment": {
            "type": "object",
            "required": ["office", "month", "date", "amount", "payer_name"],
            "properties": {
                "office": {"type": "string", "minLength": 1},
                "month": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "The billing month the payment is for."},
                "date": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"},
                "amount": {"type": "integer", "minimum": 1},
                "payer_name": {"type": "string", "minLength": 1, "pattern": "\\S"},
                "reference": {"type": "string", "default": ""}
            }
        },
        "Payment": {
            "type": "object",
            "required": ["id", "group", "office", "month", "date", "amount", "payer_name", "reference", "recorded_at"],
            "properties": {
                "id": {"type": "integer"},
                "group": {"type": "string"},
                "office": {"type": "string"},
                "month": {"type": "string"},
                "date": {"type": "string"},
                "amount": {"type": "integer"},
                "payer_name": {"type": "string"},
                "reference": {"type": "string"},
                "recorded_at": {"type": "string", "format": "date-time"}
            }
        },
        "NewToken": {
            "type": "object",
            "required": ["token", "token_id", "group"],
            "properties": {
                "token": {"type": "string", "pattern": "^iog_[0-9a-f]{64}$", "description": "Shown once; only its SHA-256 is stored."},
                "token_id": {"type": "integer"},
                "group": {"type": "string"},
                "expires_at": {"type": "string", "format": "date-time", "description": "The token stops working then."}
            }
        },
        "NewTokenRequest": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 3650, "description": "Default: the server's setting (365)."}
            }
        },
        "TokenInfo": {
            "type": "object",
            "required": ["token_id", "role", "group", "label", "created_at", "expires_at", "revoked_at"],
            "properties": {
                "token_id": {"type": "integer"},
                "role": {"enum": ["staff", "group"]},
                "group": {"type": ["string", "null"]},
                "label": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "expires_at": {"type": ["string", "null"], "format": "date-time"},
                "revoked_at": {"type": ["string", "null"], "format": "date-time"}
            }
        },
        "TokenList": {
            "type": "object",
            "required": ["tokens"],
            "properties": {"tokens": {"type": "array", "items": {"$ref": "#/components/schemas/TokenInfo"}}}
        },
        "LoadSummary": {
            "type": "object",
            "required": ["group", "month", "version", "file_version", "replaced"],
            "properties": {
                "group": {"type": "string"},
                "month": {"type": "string"},
                "version": {"type": "string", "description": "The version of the package the server now serves for the group (its ETag)."},
                "file_version": {"type": "string", "description": "formats::package::package_version of the uploaded bytes."},
                "replaced": {"type": "boolean"},
                "offices": {"type": "integer"},
                "group_products": {"type": "integer"},
                "members": {"type": "integer"},
                "enrollments": {"type": "integer"},
                "pending_applications": {"type": "integer"},
                "billed": {"type": "integer"},
                "carry_over": {"type": "integer"}
            }
        },
        "RosterLoadSummary": {
            "type": "object",
            "required": ["group", "month", "version", "changed", "rows", "members_added", "members_updated", "enrollments_added", "enrollments_updated", "unknown_columns"],
            "properties": {
                "group": {"type": "string"},
                "month": {"type": "string", "description": "The group's current month, which the roster's values now hold for."},
                "version": {"type": "string", "description": "The version of the package the server now serves for the group (its ETag); the same as before when nothing changed."},
                "changed": {"type": "boolean", "description": "Whether the ledger changed."},
                "rows": {"type": "integer", "description": "Data rows read."},
                "members_added": {"type": "integer"},
                "members_updated": {"type": "integer"},
                "enrollments_added": {"type": "integer"},
                "enrollments_updated": {"type": "integer"},
                "unknown_columns": {"type": "array", "items": {"type": "string"}, "description": "Header texts of the columns the reader does not use."}
            }
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "ok"}}
        },
        "Ready": {
            "type": "object",
            "required": ["status", "database"],
            "properties": {
                "status": {"const": "ready"},
                "database": {"enum": ["sqlite", "postgres"], "description": "The ledger's back end."}
            }
        }
    });
    if let Value::Object(o) = own {
        schemas.extend(o);
    }
    let error_responses: Map<String, Value> = [
        ("400", "The request is malformed (month, path, headers)."),
        ("401", "No token, or a token the server does not know, that expired or was revoked. Answered before any of the body is read; the connection is then closed."),
        ("403", "A group token on an insurer-staff operation."),
        (
            "404",
            "No such group or month — also a group the token may not see (never 403).",
        ),
        ("408", "The body did not arrive within the body timeout (120 s by default)."),
        ("409", "Conflicts: see the operation."),
        ("413", "The body is over the limit (64 MiB by default)."),
        ("422", "The body is not acceptable: see the operation."),
        (
            "429",
            "Too many failed authentications from this address (`too_many_failures`, wrong tokens only), or too many requests of one valid token (`rate_limited`, 600 a minute by default): wait `Retry-After` seconds.",
        ),
        (
            "500",
            "Something failed on the server; the answer hides the detail and gives an incident number.",
        ),
        (
            "503",
            "`not_ready`: the ledger's database did not answer in time (the cause is in the server's log).",
        ),
    ]
    .into_iter()
    .map(|(c, d)| (format!("E{c}"), error_response(d)))
    .collect();

    let group = json!({"$ref": "#/components/parameters/group"});
    let month = json!({"$ref": "#/components/parameters/month"});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "InfoOne insurer API",
            "version": "1.0.0",
            "description": "The insurer's central API of InfoOne (団体扱 group insurance): the monthly bill package of a group, computed from the insurer's ledger; the result report of a month, checked by recomputation with the same engine as the clerk's desktop; payment status per office; and admin operations to set an insurer up.\n\nHTTPS only (TLS 1.2 or later). Authentication: `Authorization: Bearer <token>`. A group token (`iog_…`) reaches only its own group — another group's resources answer 404. An insurer-staff token (`ios_…` or the one given in `INFOONE_ADMIN_TOKEN` when the server starts) reaches every group and `/v1/admin/*`. Tokens are 256 random bits, shown once, stored only as SHA-256 hashes. Tokens expire (`expires_at`, a year by default) and staff can revoke them (`/v1/admin/tokens`). After 5 failed authentications from one address, each further wrong token from it must wait 1, 2, 4 … seconds (at most 300) after the last failure (429 `too_many_failures` with `Retry-After`); a valid token from that address is not held up, each valid token is limited to 600 requests a minute instead (429 `rate_limited`). The caller is authenticated before any of a request body is read. Request bodies are limited (64 MiB by default) and must arrive within 120 s (408).\n\nErrors are always `{\"error\": {\"code\": \"snake_case\", \"message\": \"…\"}}` with a Japanese message a clerk can act on; 5xx answers hide internals. Every write goes to the server's audit log."
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {"schema": {"type": "object"}}}}}
                }
            },
            "/v1/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Liveness.",
                    "security": [],
                    "responses": {"200": json_body("Health", "The server is up.")}
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "Liveness for a load balancer or supervisor: the process answers (the database is not asked).",
                    "security": [],
                    "responses": {"200": json_body("Health", "The process is up.")}
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "readyz",
                    "summary": "Readiness: the ledger's database answers (`SELECT 1` through the pool within 2 s).",
                    "description": "For a load balancer's health check: a node whose database does not answer (down, unreachable, every pooled connection busy for 2 s) answers 503 `not_ready` and should get no traffic until it answers 200 again. No authentication, no personal data.",
                    "security": [],
                    "responses": responses(json!({"200": json_body("Ready", "The ledger's database answered.")}), &["503"])
                }
            },
            "/v1/groups/{group}/months/{month}/package": {
                "get": {
                    "operationId": "getPackage",
                    "summary": "The bill package of the group's month (請求パッケージ).",
                    "description": "Computed from the ledger for the group's current month (the month after its last reported one). `ETag` is the package version (`\"sha256:…\"`, the package's `version`); send it back in `If-None-Match` to get 304 when nothing changed. A month already reported answers 409 `already_reported`; any other month 404.",
                    "parameters": [group, month, {
                        "name": "If-None-Match", "in": "header", "required": false,
                        "schema": {"type": "string"},
                        "description": "An ETag from an earlier answer."
                    }],
                    "responses": responses(json!({
                        "200": {
                            "description": "The package (`infoone.bill-package/1`).",
                            "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BillPackage"}}}
                        },
                        "304": {
                            "description": "Not modified: the package is still the one with this ETag.",
                            "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}
                        }
                    }), &["400", "401", "404", "409", "429", "500"])
                }
            },
            "/v1/groups/{group}/months/{month}/reports": {
                "post": {
                    "operationId": "submitReport",
                    "summary": "Submit the month's result report (結果報告) and get a receipt number.",
                    "description": "The server rebuilds the month from the package it serves now, applies the report's changes in order, computes the bill and applies the report's deductions with the same domain engine as the desktop, and accepts the report only when every office total agrees. On acceptance it applies the changes to the ledger, records the billed amounts of the month (so next month's package has them in `billed`), the deduction results and the undeducted amounts carried into next month (`carry_over`), and answers 201 with a receipt.\n\nIdempotency: the same `Idempotency-Key` with the same body answers the same receipt again (200, `Idempotent-Replayed: true`); the same key with another body is 409 `idempotency_conflict`. One report per group and month: another key for a reported month is 409 `already_reported`, whose `receipt` is the month's receipt (a client whose first answer was lost records it).\n\nErrors: 400 `idempotency_key_required` / `bad_idempotency_key`; 409 `stale_package` (the report was made from another package version: `current_version`, `reported_version` and `changes`, the parts that differ with their counts), `already_reported`, `idempotency_conflict`, `month_not_open` (not the group's current month); 422 `invalid_report` (`problems` with JSON paths), `report_mismatch` (group or month differs from the URL), `invalid_change` / `change_refused` (`change`), `bill_has_errors` (`findings`), `invalid_deductions` (`problems`), `totals_mismatch` (`lines`: `[{office, field, reported, computed}]`).",
                    "parameters": [group, month, {
                        "name": "Idempotency-Key", "in": "header", "required": true,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
                        "description": "The same key for the same report (the report's own `idempotency_key` is a good choice)."
                    }],
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ResultReport"}}}
                    },
                    "responses": responses(json!({
                        "201": json_body("Receipt", "Accepted: the receipt."),
                        "200": {
                            "description": "The same key and body again: the same receipt.",
                            "headers": {"Idempotent-Replayed": {"schema": {"const": "true"}, "description": "Always `true`."}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}}
                        }
                    }), &["400", "401", "404", "408", "409", "413", "422", "429", "500"])
                }
            },
            "/v1/groups/{group}/months/{month}/payments": {
                "get": {
                    "operationId": "getPayments",
                    "summary": "Payment status per office for a reported month (入金状況).",
                    "description": "`expected` is the office's payable from the accepted report; `received` the sum of the payments the insurer recorded. A month without an accepted report answers 404 `not_reported`.",
                    "parameters": [group, month],
                    "responses": responses(json!({"200": json_body("Payments", "Per office.")}), &["400", "401", "404", "429", "500"])
                }
            },
            "/v1/admin/packages": {
                "post": {
                    "operationId": "adminLoadPackage",
                    "summary": "Load or replace a group's ledger from a bill package (insurer staff).",
                    "description": "Sets up (or replaces) the group, its settings and accounts, offices, group products with rates, members, enrollments, pending Web applications, billed history and carry-overs; the group's current month becomes the package's month. A group already reported for that month or later is 409 `already_reported`; a package that does not read is 422 `invalid_package` (`problems`). Reports, payments and tokens stay.",
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BillPackage"}}}
                    },
                    "responses": responses(json!({"200": json_body("LoadSummary", "Loaded.")}), &["401", "403", "408", "409", "413", "422", "429", "500"])
                }
            },
            "/v1/admin/groups/{group}/roster": {
                "post": {
                    "operationId": "adminLoadRoster",
                    "summary": "Load a group's members and enrollments from an Excel roster (加入者名簿, insurer staff).",
                    "description": "The body is an xlsx workbook in the layout `infoone export roster` writes (docs/OUTPUTS.md \"Roster\": sheet 加入者名簿, one row per enrollment, columns matched by header). Its values are written into the ledger for the group's current month: members not in the ledger are added; 氏名, 氏名カナ, 在籍区分, 事業所コード, メールアドレス, 郵便番号 and 住所 of the others are updated; enrollments are added (加入ID blank: a new id `S<YYYYMM>-R<社員番号>-<商品>-<被保険者>`; a 加入ID the ledger does not have: that id) or updated (プラン, 口数, 加入開始月, 加入終了月, 脱退月, 脱退時の選択). Nothing is deleted: members and enrollments missing from the file stay as they are, and a column the file does not have changes nothing. Months already billed are not recomputed.\n\nA file with any problem (an unknown office, product, plan or dependent, an unreadable value, 生年月日 or 性別 different from the ledger, a 加入ID of another member, a changed 商品コード or 被保険者区分, months that do not go together, no rate for the insured person) is refused as a whole with 422 `invalid_roster` and `problems` positioned by row and column; nothing changes. When the ledger changed, the package version (ETag) changes; loading the same file again changes nothing.",
                    "parameters": [group],
                    "requestBody": {
                        "required": true,
                        "content": {XLSX: {"schema": {"type": "string", "contentMediaType": XLSX}}}
                    },
                    "responses": responses(json!({"200": json_body("RosterLoadSummary", "Loaded (or nothing to change).")}), &["400", "401", "403", "404", "408", "413", "422", "429", "500"])
                }
            },
            "/v1/admin/groups/{group}/tokens": {
                "post": {
                    "operationId": "adminCreateToken",
                    "summary": "Issue a new API token for the group (insurer staff).",
                    "description": "The token is in this answer only; the server keeps its SHA-256. It expires after `expires_in_days` (body optional; default 365).",
                    "parameters": [group],
                    "requestBody": {
                        "required": false,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewTokenRequest"}}}
                    },
                    "responses": responses(json!({"201": json_body("NewToken", "The new token.")}), &["400", "401", "403", "404", "408", "413", "422", "429", "500"])
                }
            },
            "/v1/admin/tokens": {
                "get": {
                    "operationId": "adminListTokens",
                    "summary": "Every API token, never the token itself (insurer staff).",
                    "responses": responses(json!({"200": json_body("TokenList", "The tokens, oldest first.")}), &["401", "403", "429", "500"])
                }
            },
            "/v1/admin/tokens/{token_id}/revoke": {
                "post": {
                    "operationId": "adminRevokeToken",
                    "summary": "Revoke a token: it stops working at once (insurer staff).",
                    "description": "Revoking a revoked token changes nothing. `infoone server-token revoke` does the same on the database (a running server sees it within 10 s).",
                    "parameters": [{"$ref": "#/components/parameters/token_id"}],
                    "responses": responses(json!({"200": json_body("TokenInfo", "The token, revoked.")}), &["400", "401", "403", "404", "429", "500"])
                }
            },
            "/v1/admin/groups/{group}/payments": {
                "post": {
                    "operationId": "adminRecordPayment",
                    "summary": "Record a payment received from an office (insurer staff).",
                    "description": "422 `invalid_payment` for a bad field, `unknown_office` for an office the group does not have.",
                    "parameters": [group],
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPayment"}}}
                    },
                    "responses": responses(json!({"201": json_body("Payment", "Recorded.")}), &["400", "401", "403", "404", "408", "413", "422", "429", "500"])
                }
            }
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A group token (`iog_…`) or an insurer-staff token."}
            },
            "parameters": {
                "group": {
                    "name": "group", "in": "path", "required": true,
                    "schema": {"type": "string", "minLength": 1},
                    "example": "G0001",
                    "description": "Group code (団体コード)."
                },
                "token_id": {
                    "name": "token_id", "in": "path", "required": true,
                    "schema": {"type": "integer"},
                    "example": 1,
                    "description": "A token's number (`token_id`)."
                },
                "month": {
                    "name": "month", "in": "path", "required": true,
                    "schema": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
                    "example": "2026-12",
                    "description": "Billing month, YYYY-MM."
                }
            },
            "headers": {
                "ETag": {"schema": {"type": "string"}, "description": "`\"<package version>\"`."}
            },
            "responses": Value::Object(error_responses),
            "schemas": Value::Object(schemas)
        }
    })
}

/// The document as served: pretty JSON ending in a newline (the same bytes as docs/openapi.json).
pub fn document_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let mut b = serde_json::to_vec_pretty(&document()).unwrap_or_default();
        b.push(b'\n');
        b
    })
}
