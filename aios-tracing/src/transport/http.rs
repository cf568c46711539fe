//! OTLP over HTTP with reqwest, on the worker's runtime. The body arrives
//! encoded (protobuf or JSON); this module only knows its content type.

use super::outcome::{self, Delivered, ExportError};
use http::header::{HeaderMap, CONTENT_TYPE};
use std::time::Duration;

#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    url: String,
}

pub(crate) fn client(
    headers: &[(http::HeaderName, http::HeaderValue)],
    content_type: &'static str,
) -> reqwest::ClientBuilder {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(name.clone(), value.clone());
    }
    map.insert(CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    reqwest::Client::builder()
        .default_headers(map)
        .connect_timeout(Duration::from_secs(5))
        .no_proxy()
}

pub(crate) fn connect(builder: reqwest::ClientBuilder, url: String) -> Result<Http, String> {
    let client = builder.build().map_err(|e| e.to_string())?;
    Ok(Http { client, url })
}

impl Http {
    pub(crate) async fn send(
        &self,
        body: bytes::Bytes,
        timeout: Duration,
    ) -> Result<Delivered, ExportError> {
        let response = self
            .client
            .post(&self.url)
            .timeout(timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                ExportError::transient(format!("HTTP request failed: {}", outcome::chain(&e)))
            })?;
        match outcome::http(response.status(), response.headers()) {
            None => Ok(Delivered::default()),
            Some(failure) => Err(failure),
        }
    }
}
