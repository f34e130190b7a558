package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Tracing is the OpenTelemetry tracing configuration, read from the
// standard OTEL_* environment variables (not flags). Tracing is off, with
// no exporter at all, unless an OTLP endpoint is set
// (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT) or
// OTEL_TRACES_EXPORTER=otlp asks for the default one; OTEL_SDK_DISABLED=true
// and OTEL_TRACES_EXPORTER=none turn it off whatever else is set.
type Tracing struct {
	// Endpoint is the full URL spans are sent to over OTLP/HTTP
	// (protobuf), e.g. http://collector:4318/v1/traces; empty when
	// tracing is off.
	Endpoint string
	// ServiceName is OTEL_SERVICE_NAME, "socrates" by default.
	ServiceName string
	// Sampler is OTEL_TRACES_SAMPLER (always_on, always_off,
	// traceidratio, parentbased_always_on, parentbased_always_off or
	// parentbased_traceidratio); parentbased_always_on by default.
	Sampler string
	// SamplerArg is OTEL_TRACES_SAMPLER_ARG, the ratio of the
	// traceidratio samplers (1 by default).
	SamplerArg float64
}

// Enabled reports whether spans are exported.
func (t Tracing) Enabled() bool { return t.Endpoint != "" }

// defaultOTLPTracesEndpoint is the specification's default OTLP/HTTP
// endpoint for traces, used when OTEL_TRACES_EXPORTER=otlp names no other.
const defaultOTLPTracesEndpoint = "http://localhost:4318/v1/traces"

// tracingFromEnv reads the OTEL_* variables the server honours.
func tracingFromEnv(getenv func(string) string) (Tracing, error) {
	env := func(k string) string { return strings.TrimSpace(getenv(k)) }
	t := Tracing{ServiceName: env("OTEL_SERVICE_NAME"), Sampler: strings.ToLower(env("OTEL_TRACES_SAMPLER")), SamplerArg: 1}
	if t.ServiceName == "" {
		t.ServiceName = "socrates"
	}
	if strings.EqualFold(env("OTEL_SDK_DISABLED"), "true") {
		return t, nil
	}
	exporter := strings.ToLower(env("OTEL_TRACES_EXPORTER"))
	switch exporter {
	case "", "otlp":
	case "none":
		return t, nil
	default:
		return t, fmt.Errorf("OTEL_TRACES_EXPORTER must be otlp or none, got %q", exporter)
	}
	protocol := env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = env("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if protocol != "" && protocol != "http/protobuf" {
		return t, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf (the only one this server speaks), got %q", protocol)
	}
	switch {
	case env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "":
		t.Endpoint = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	case env("OTEL_EXPORTER_OTLP_ENDPOINT") != "":
		// The general endpoint is a base URL: each signal adds its path.
		t.Endpoint = strings.TrimRight(env("OTEL_EXPORTER_OTLP_ENDPOINT"), "/") + "/v1/traces"
	case exporter == "otlp":
		t.Endpoint = defaultOTLPTracesEndpoint
	}
	if t.Endpoint != "" {
		u, err := url.Parse(t.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Tracing{}, fmt.Errorf("the OTLP traces endpoint must be an http or https URL, got %q", redactURL(t.Endpoint))
		}
	}
	switch t.Sampler {
	case "":
		t.Sampler = "parentbased_always_on"
	case "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio":
	default:
		return t, fmt.Errorf("OTEL_TRACES_SAMPLER must be always_on, always_off, traceidratio or parentbased_(always_on|always_off|traceidratio), got %q", t.Sampler)
	}
	if arg := env("OTEL_TRACES_SAMPLER_ARG"); arg != "" && strings.HasSuffix(t.Sampler, "traceidratio") {
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return t, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got %q", arg)
		}
		t.SamplerArg = r
	}
	return t, nil
}
