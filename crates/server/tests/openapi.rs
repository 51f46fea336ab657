//! docs/openapi.json is what the server serves at /v1/openapi.json, and documents every route.
//! `INFOONE_UPDATE_OPENAPI=1 cargo test -p infoone-server --test openapi` rewrites the file.

mod common;

use std::path::Path;

use axum::http::{Method, StatusCode};
use common::{Server, STAFF};

#[tokio::test]
async fn the_served_document_is_docs_openapi_json() {
    let s = Server::new();
    let a = s.get("/v1/openapi.json", None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers["content-type"], "application/json");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("INFOONE_UPDATE_OPENAPI").is_some() {
        std::fs::write(&file, &a.body).unwrap();
    }
    let on_disk = std::fs::read(&file).unwrap_or_default();
    assert!(
        on_disk == a.body,
        "docs/openapi.json differs from the served document: run INFOONE_UPDATE_OPENAPI=1 cargo test -p infoone-server --test openapi"
    );
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_nothing_else_is() {
    let s = Server::new();
    let doc = infoone_server::openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut seen = 0;
    for (path, ops) in paths {
        let uri = path
            .replace("{group}", "G0001")
            .replace("{month}", "2026-12")
            .replace("{token_id}", "999999");
        for method in ["get", "post", "put", "delete", "patch"] {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let a = s.call(m, &uri, Some(STAFF), &[], Vec::new()).await;
            if ops.get(method).is_some() {
                seen += 1;
                assert!(
                    a.status != StatusCode::METHOD_NOT_ALLOWED && a.code() != "not_found"
                        || uri.contains("G0001")
                        || uri.contains("999999"),
                    "{method} {path}: {}",
                    a.status
                );
                assert_ne!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                // Every documented answer code is in the document.
                let code = a.status.as_u16().to_string();
                assert!(
                    ops[method]["responses"].get(&code).is_some(),
                    "{method} {path} answered {code}, not documented"
                );
            } else {
                assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            }
        }
    }
    assert_eq!(seen, 13);
}
