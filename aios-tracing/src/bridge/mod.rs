//! The `tracing` bridge: spans from libraries that emit `tracing` spans
//! (hyper, h2, tonic, tower-http, sqlx, …) become OpenTelemetry spans in
//! the same trace tree as `#[trace]` spans, in both directions:
//!
//! - a `tracing` span opened inside a `#[trace]` fn is its child, because a
//!   contextual `tracing` span takes the current OpenTelemetry context as
//!   its parent;
//! - a `#[trace]` fn called inside an entered `tracing` span is its child,
//!   because entering a bridged span attaches its context.
//!
//! Events inside a bridged span become span events. The fields
//! `tracing-opentelemetry` users write to shape the span (`otel.name`,
//! `otel.kind`, `otel.status_code`, `otel.status_description`) do so here
//! too, and an `error` field is recorded as an exception. Which libraries
//! are bridged, and from which level, is [`Instrumentations`].

mod fields;

use crate::sdk::active;
use crate::{Span, SpanBuilder};
use fields::Fields;
use opentelemetry::trace::SpanKind;
use opentelemetry::{Context, ContextGuard, InstrumentationScope, KeyValue};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{PoisonError, RwLock};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context as LayerContext, Layer};
use tracing_subscriber::registry::LookupSpan;

/// Which `tracing`-instrumented libraries to bridge, and from which level.
///
/// ```
/// use aios_tracing::bridge::Instrumentations;
/// let switches = Instrumentations::new().hyper(true).tonic(true).sqlx(true).level(tracing::Level::DEBUG);
/// assert!(switches.targets().would_enable("sqlx::query", &tracing::Level::INFO));
/// assert!(!switches.targets().would_enable("h2::codec", &tracing::Level::INFO));
/// ```
#[derive(Debug, Clone)]
pub struct Instrumentations {
    targets: Vec<(&'static str, bool)>,
    level: Level,
    everything: bool,
}

impl Default for Instrumentations {
    fn default() -> Self {
        Instrumentations::new()
    }
}

macro_rules! switch {
    ($($(#[$doc:meta])* $name:ident => $target:literal,)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, on: bool) -> Self {
                self.set($target, on);
                self
            }
        )*
    };
}

impl Instrumentations {
    /// Nothing bridged but the application's own crates (see [`Self::target`]); level INFO.
    pub fn new() -> Self {
        Instrumentations {
            targets: Vec::new(),
            level: Level::INFO,
            everything: false,
        }
    }

    /// Every `tracing` span at or above the level, from any crate.
    pub fn all() -> Self {
        Instrumentations {
            everything: true,
            ..Self::new()
        }
    }

    fn set(&mut self, target: &'static str, on: bool) {
        self.targets.retain(|(t, _)| *t != target);
        self.targets.push((target, on));
    }

    switch! {
        /// hyper's HTTP spans.
        hyper => "hyper",
        /// h2's HTTP/2 spans.
        h2 => "h2",
        /// tonic's gRPC spans.
        tonic => "tonic",
        /// tower-http's `TraceLayer` spans.
        tower_http => "tower_http",
        /// sqlx's query spans and events.
        sqlx => "sqlx",
        /// reqwest's spans.
        reqwest => "reqwest",
        /// `reqwest-tracing` middleware spans.
        reqwest_tracing => "reqwest_tracing",
    }

    /// Bridge another target (a crate or module path), e.g. your own crate's.
    pub fn target(mut self, target: &'static str, on: bool) -> Self {
        self.set(target, on);
        self
    }

    /// The lowest level bridged (default INFO).
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// The per-target filter these switches amount to.
    pub fn targets(&self) -> Targets {
        let level = LevelFilter::from_level(self.level);
        let base = if self.everything {
            Targets::new().with_default(level)
        } else {
            Targets::new()
        };
        self.targets.iter().fold(base, |targets, (target, on)| {
            targets.with_target(*target, if *on { level } else { LevelFilter::OFF })
        })
    }
}

/// The bridge as a `tracing-subscriber` layer, filtered by `switches`; add it
/// to your own subscriber (`init` adds it to the one it installs).
///
/// ```
/// use aios_tracing::bridge::{layer, Instrumentations};
/// use tracing_subscriber::layer::SubscriberExt;
/// let subscriber = tracing_subscriber::registry().with(layer(Instrumentations::all()));
/// # drop(subscriber);
/// ```
pub fn layer<S>(
    switches: Instrumentations,
) -> tracing_subscriber::filter::Filtered<OtelBridge, Targets, S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    OtelBridge::default().with_filter(switches.targets())
}

/// Turns `tracing` spans into OpenTelemetry spans; see the module docs.
#[derive(Default)]
pub struct OtelBridge {
    /// Each target's instrumentation scope, interned once.
    scopes: RwLock<HashMap<&'static str, &'static InstrumentationScope>>,
}

impl fmt::Debug for OtelBridge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtelBridge").finish_non_exhaustive()
    }
}

impl OtelBridge {
    /// The instrumentation scope of spans from `target`.
    fn scope(&self, target: &'static str) -> &'static InstrumentationScope {
        if let Some(scope) = self
            .scopes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(target)
        {
            return scope;
        }
        let mut scopes = self.scopes.write().unwrap_or_else(PoisonError::into_inner);
        scopes
            .entry(target)
            .or_insert_with(|| crate::scope::intern(target, ""))
    }
}

/// The OpenTelemetry span of a bridged span, kept in its extensions. A
/// bridged span that is not sampled is its parent's context, and this
/// handle keeps it from touching that parent.
struct Bridged(Span, fields::Status);

thread_local! {
    /// Guards of the bridged spans entered on this thread, innermost last.
    static ENTERED: RefCell<Vec<(Id, ContextGuard)>> = const { RefCell::new(Vec::new()) };
}

impl<S> Layer<S> for OtelBridge
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        // Inside the exporter (telemetry suppressed) nothing is bridged, not
        // even as a placeholder: a placeholder's context would not carry the
        // suppression on to the library's nested spans.
        if Context::map_current(Context::is_telemetry_suppressed) {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        if active::generation() == 0 {
            return;
        }
        let parent = if attrs.is_root() {
            Context::new()
        } else if let Some(parent) = attrs.parent().and_then(|p| ctx.span(p)) {
            let bridged = parent
                .extensions()
                .get::<Bridged>()
                .map(|b| b.0.context().clone());
            bridged.unwrap_or_else(Context::current)
        } else {
            // Contextual: whatever is current, a `#[trace]` span included.
            Context::current()
        };
        let mut fields = Fields::of_span();
        attrs.record(&mut fields);
        let scope = self.scope(attrs.metadata().target());
        let name = fields
            .name
            .take()
            .map_or_else(|| attrs.metadata().name().into(), Cow::Owned);
        let bridged = SpanBuilder::new(name, Some(scope))
            .kind(fields.kind.take().unwrap_or(SpanKind::Internal))
            .attributes(std::mem::take(&mut fields.attributes))
            .parent(&parent)
            .start();
        let mut status = fields::Status::default();
        fields.apply(&bridged, &mut status);
        span.extensions_mut().insert(Bridged(bridged, status));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(Bridged(bridged, status)) = extensions.get_mut::<Bridged>() {
            let mut fields = Fields::of_span();
            values.record(&mut fields);
            fields.apply(bridged, status);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let extensions = span.extensions();
        let Some(bridged) = extensions.get::<Bridged>() else {
            return;
        };
        let otel = &bridged.0;
        if !otel.is_recording() {
            return;
        }
        let mut visited = Fields::of_event();
        event.record(&mut visited);
        let mut fields = visited.attributes;
        let message = fields
            .iter()
            .position(|kv| kv.key.as_str() == "message")
            .map(|i| fields.remove(i).value.as_str().into_owned());
        let level = *event.metadata().level();
        fields.push(KeyValue::new("level", level.as_str()));
        if level == Level::ERROR {
            otel.set_error(message.clone().unwrap_or_default());
        }
        otel.add_event(
            message.unwrap_or_else(|| event.metadata().name().to_owned()),
            fields,
        );
    }

    fn on_enter(&self, id: &Id, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let cx = span
            .extensions()
            .get::<Bridged>()
            .map(|b| b.0.context().clone());
        if let Some(cx) = cx {
            let guard = cx.attach();
            ENTERED.with(|entered| entered.borrow_mut().push((id.clone(), guard)));
        }
    }

    fn on_exit(&self, id: &Id, _ctx: LayerContext<'_, S>) {
        // tracing allows exits out of order; drop the innermost guard of this span.
        let guard = ENTERED.with(|entered| {
            let mut entered = entered.borrow_mut();
            let position = entered
                .iter()
                .rposition(|(entered_id, _)| entered_id == id)?;
            Some(entered.remove(position))
        });
        drop(guard);
    }

    fn on_close(&self, id: Id, ctx: LayerContext<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            if let Some(bridged) = span.extensions_mut().remove::<Bridged>() {
                bridged.0.end();
            }
        }
    }
}
