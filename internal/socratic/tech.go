package socratic

import (
	"strings"
	"sync"

	"socrates/models"
)

// tech is a technology the extractor recognises.
type tech struct {
	// Name is the canonical name stored as the value.
	Name string
	// Patterns are spellings matched on word boundaries: lower case ones
	// in any case, ones starting with "=" exactly as written (for names
	// that are also English words, such as "=Go" or "=Rust").
	Patterns []string
	Category models.SpecCategory
	// Key is the specification key; "" with Slug set makes a per-technology
	// key (Prefix + Slug) for things several of which can coexist.
	Key    string
	Prefix string
	Slug   string
	// Tags feed the incompatibility rules.
	Tags []string
}

// Tags used by the conflict rules.
const (
	tagEmbeddedDB        = "embedded_db"
	tagServerless        = "serverless"
	tagLongLived         = "long_lived_connections"
	tagMultiRegionWrites = "multi_region_writes"
)

// technologies returns the dictionary of recognised technologies.
func technologies() []tech {
	ts, se, te, mo := models.SpecCategoryTechStack, models.SpecCategorySecurity, models.SpecCategoryTesting, models.SpecCategoryMonitoring
	db := func(name string, tags []string, p ...string) tech {
		return tech{Name: name, Patterns: p, Category: ts, Key: "database", Tags: tags}
	}
	one := func(cat models.SpecCategory, key, name string, p ...string) tech {
		return tech{Name: name, Patterns: p, Category: cat, Key: key}
	}
	many := func(cat models.SpecCategory, prefix, slug, name string, p ...string) tech {
		return tech{Name: name, Patterns: p, Category: cat, Prefix: prefix, Slug: slug}
	}
	lang := func(slug, name string, p ...string) tech {
		return tech{Name: name, Patterns: p, Category: ts, Prefix: "language_", Slug: slug}
	}
	return []tech{
		db("PostgreSQL", nil, "postgresql", "postgres", "psql", "aurora postgres", "supabase"),
		db("MySQL", nil, "mysql", "aurora mysql"),
		db("MariaDB", nil, "mariadb"),
		db("MongoDB", nil, "mongodb", "mongo", "mongo db", "documentdb"),
		db("SQLite", []string{tagEmbeddedDB}, "sqlite", "sqlite3"),
		db("H2", []string{tagEmbeddedDB}, "h2 database"),
		db("Embedded database", []string{tagEmbeddedDB}, "embedded database", "embedded db"),
		db("DynamoDB", nil, "dynamodb", "dynamo db"),
		db("Cassandra", nil, "cassandra", "scylladb"),
		db("CockroachDB", nil, "cockroachdb", "cockroach db"),
		db("Oracle Database", nil, "oracle database", "oracle db", "=Oracle"),
		db("SQL Server", nil, "sql server", "mssql"),
		db("Firestore", nil, "firestore", "firebase database"),
		db("Neo4j", nil, "neo4j"),
		db("ClickHouse", nil, "clickhouse"),
		db("Couchbase", nil, "couchbase", "couchdb"),
		db("TimescaleDB", nil, "timescaledb", "timescale"),
		db("InfluxDB", nil, "influxdb", "influx db"),
		db("Cosmos DB", nil, "cosmos db", "cosmosdb"),
		db("SQL Server", nil, "azure sql", "azure sql database"),
		one(ts, "cache", "Redis", "redis", "valkey"),
		one(ts, "cache", "Memcached", "memcached"),
		one(ts, "search_engine", "Elasticsearch", "elasticsearch", "elastic search"),
		one(ts, "search_engine", "OpenSearch", "opensearch"),
		one(ts, "search_engine", "Meilisearch", "meilisearch"),
		one(ts, "search_engine", "Algolia", "algolia"),
		one(ts, "search_engine", "Solr", "solr"),
		one(ts, "search_engine", "Typesense", "typesense"),

		// Third-party services, by the role they play.
		one(ts, "payment_provider", "Stripe", "stripe"),
		one(ts, "payment_provider", "Adyen", "adyen"),
		one(ts, "payment_provider", "PayPal", "paypal"),
		one(ts, "payment_provider", "Braintree", "braintree"),
		one(ts, "payment_provider", "Square", "=Square"),
		one(ts, "payment_provider", "Mollie", "mollie"),
		one(ts, "payment_provider", "Paddle", "=Paddle"),
		one(ts, "payment_provider", "Razorpay", "razorpay"),
		one(ts, "payment_provider", "Klarna", "klarna"),
		one(ts, "payment_provider", "Worldpay", "worldpay"),
		one(ts, "payment_provider", "Checkout.com", "checkout.com"),
		one(ts, "payment_provider", "GoCardless", "gocardless"),
		one(ts, "payment_provider", "Authorize.net", "authorize.net"),
		one(ts, "payment_provider", "Mercado Pago", "mercado pago", "mercadopago"),
		one(ts, "payment_provider", "Lemon Squeezy", "lemon squeezy", "lemonsqueezy"),
		one(ts, "email_provider", "SendGrid", "sendgrid", "twilio sendgrid"),
		one(ts, "email_provider", "Mailgun", "mailgun"),
		one(ts, "email_provider", "Amazon SES", "amazon ses", "aws ses", "=SES", "simple email service"),
		one(ts, "email_provider", "Postmark", "=Postmark", "postmarkapp"),
		one(ts, "email_provider", "Mailchimp", "mailchimp", "mandrill"),
		one(ts, "email_provider", "SparkPost", "sparkpost"),
		one(ts, "email_provider", "Brevo", "=Brevo", "sendinblue"),
		one(ts, "email_provider", "Mailjet", "mailjet"),
		one(ts, "email_provider", "Resend", "=Resend"),
		one(ts, "email_provider", "GOV.UK Notify", "gov.uk notify", "govuk notify", "notify.gov"),
		one(ts, "sms_provider", "Twilio", "twilio"),
		one(ts, "sms_provider", "Vonage", "vonage", "nexmo"),
		one(ts, "sms_provider", "MessageBird", "messagebird", "message bird"),
		one(ts, "sms_provider", "Plivo", "plivo"),
		one(ts, "sms_provider", "Sinch", "sinch"),
		one(ts, "sms_provider", "Telnyx", "telnyx"),
		one(ts, "sms_provider", "ClickSend", "clicksend"),
		one(ts, "maps_provider", "Google Maps", "google maps", "google maps platform"),
		one(ts, "maps_provider", "Mapbox", "mapbox"),
		one(ts, "maps_provider", "OpenStreetMap", "openstreetmap", "open street map", "=OSM"),
		one(ts, "maps_provider", "HERE", "=HERE", "here maps", "here technologies"),
		one(ts, "maps_provider", "TomTom", "tomtom"),
		one(ts, "maps_provider", "Apple Maps", "apple maps", "mapkit"),
		one(ts, "maps_provider", "Bing Maps", "bing maps", "azure maps"),
		one(ts, "maps_provider", "ArcGIS", "arcgis", "=Esri"),
		one(ts, "analytics_provider", "Google Analytics", "google analytics", "=GA4"),
		one(ts, "analytics_provider", "Mixpanel", "mixpanel"),
		one(ts, "analytics_provider", "Amplitude", "=Amplitude"),
		one(ts, "analytics_provider", "Segment", "=Segment"),
		one(ts, "analytics_provider", "PostHog", "posthog"),
		one(ts, "analytics_provider", "Heap", "=Heap", "heap analytics"),
		one(ts, "analytics_provider", "Matomo", "matomo", "piwik"),
		one(ts, "analytics_provider", "Plausible", "=Plausible", "plausible analytics"),
		one(ts, "analytics_provider", "Adobe Analytics", "adobe analytics"),
		one(ts, "analytics_provider", "Firebase Analytics", "firebase analytics"),
		one(ts, "analytics_provider", "Pendo", "=Pendo"),
		one(ts, "analytics_provider", "Snowplow", "snowplow"),
		one(ts, "analytics_provider", "Hotjar", "hotjar"),
		one(ts, "message_queue", "Kafka", "kafka"),
		one(ts, "message_queue", "RabbitMQ", "rabbitmq", "rabbit mq"),
		one(ts, "message_queue", "Amazon SQS", "sqs", "amazon sqs"),
		one(ts, "message_queue", "NATS", "=NATS", "jetstream"),
		one(ts, "message_queue", "Google Pub/Sub", "pub/sub", "pubsub"),
		one(ts, "message_queue", "ActiveMQ", "activemq"),
		one(ts, "message_queue", "Azure Service Bus", "service bus", "azure service bus"),
		one(ts, "message_queue", "Amazon Kinesis", "kinesis"),
		one(ts, "message_queue", "Azure Event Hubs", "event hubs", "event hub"),
		one(ts, "cloud_provider", "AWS", "aws", "amazon web services"),
		one(ts, "cloud_provider", "Google Cloud", "google cloud", "gcp", "google cloud platform"),
		one(ts, "cloud_provider", "Azure", "azure", "microsoft azure"),
		one(ts, "cloud_provider", "DigitalOcean", "digitalocean", "digital ocean"),
		one(ts, "cloud_provider", "Heroku", "heroku"),
		one(ts, "cloud_provider", "Hetzner", "hetzner"),
		one(ts, "cloud_provider", "Vercel", "vercel"),
		one(ts, "cloud_provider", "Fly.io", "fly.io"),
		one(ts, "cloud_provider", "OVHcloud", "=OVH", "ovhcloud"),
		one(ts, "cloud_provider", "Scaleway", "scaleway"),
		one(ts, "cloud_provider", "Linode", "linode", "akamai cloud"),
		one(ts, "cloud_provider", "Oracle Cloud", "oracle cloud", "=OCI"),
		one(ts, "cloud_provider", "IBM Cloud", "ibm cloud"),
		one(ts, "cloud_provider", "On-premises", "on-premises", "on-premise", "on premises", "on-prem", "our own data centre", "our own data center", "own servers"),
		{Name: "Serverless functions (AWS Lambda)", Patterns: []string{"aws lambda", "lambda functions", "lambdas"}, Category: ts, Key: "compute_model", Tags: []string{tagServerless}},
		{Name: "Serverless functions", Patterns: []string{"serverless", "cloud functions", "azure functions", "cloudflare workers"}, Category: ts, Key: "compute_model", Tags: []string{tagServerless}},
		one(ts, "orchestration", "Kubernetes", "kubernetes", "k8s", "=EKS", "=GKE", "=AKS"),
		one(ts, "orchestration", "Amazon ECS", "=ECS", "fargate"),
		one(ts, "orchestration", "Nomad", "=Nomad"),
		one(ts, "containerization", "Docker", "docker", "containers", "containerized", "containerised"),
		one(ts, "object_storage", "Amazon S3", "s3", "amazon s3"),
		one(ts, "object_storage", "Google Cloud Storage", "google cloud storage", "=GCS"),
		one(ts, "object_storage", "Azure Blob Storage", "blob storage", "azure blob storage", "azure blob"),
		one(ts, "object_storage", "Cloudflare R2", "cloudflare r2"),
		one(ts, "object_storage", "MinIO", "minio"),
		{Name: "Virtual machines", Patterns: []string{"vms", "virtual machines", "=EC2", "compute engine", "droplets"}, Category: ts, Key: "compute_model"},
		one(ts, "realtime_transport", "WebSockets", "websocket", "websockets", "web sockets"),
		one(ts, "realtime_transport", "Server-sent events", "server-sent events", "=SSE"),
		one(ts, "realtime_transport", "MQTT", "mqtt"),
		one(ts, "realtime_transport", "SignalR", "signalr"),
		one(ts, "realtime_transport", "WebRTC", "webrtc"),
		one(ts, "api_style", "GraphQL", "graphql"),
		one(ts, "api_style", "REST", "rest api", "restful", "=REST"),
		one(ts, "api_style", "gRPC", "grpc"),
		one(ts, "frontend_framework", "React", "=React", "react.js", "reactjs"),
		one(ts, "frontend_framework", "Vue", "vue", "vue.js", "vuejs", "nuxt"),
		one(ts, "frontend_framework", "Angular", "=Angular"),
		one(ts, "frontend_framework", "Svelte", "svelte", "sveltekit"),
		one(ts, "frontend_framework", "Next.js", "next.js", "nextjs"),
		one(ts, "frontend_framework", "Remix", "=Remix"),
		one(ts, "frontend_framework", "SolidJS", "solidjs", "solid.js"),
		one(ts, "frontend_framework", "Ember", "ember.js", "emberjs"),
		one(ts, "frontend_framework", "Blazor", "blazor"),
		one(ts, "backend_framework", "Django", "django"),
		one(ts, "backend_framework", "Flask", "=Flask"),
		one(ts, "backend_framework", "FastAPI", "fastapi"),
		one(ts, "backend_framework", "Ruby on Rails", "=Rails", "ruby on rails"),
		one(ts, "backend_framework", "Spring Boot", "spring boot", "=Spring"),
		one(ts, "backend_framework", "Express", "=Express", "express.js"),
		one(ts, "backend_framework", "NestJS", "nestjs", "nest.js"),
		one(ts, "backend_framework", "Laravel", "laravel"),
		one(ts, "backend_framework", "ASP.NET", "asp.net", "asp.net core", ".net core", "dotnet", "=.NET"),
		one(ts, "backend_framework", "Quarkus", "quarkus"),
		one(ts, "backend_framework", "Micronaut", "micronaut"),
		one(ts, "backend_framework", "Ktor", "ktor"),
		one(ts, "backend_framework", "Symfony", "symfony"),
		one(ts, "backend_framework", "Gin", "=Gin"),
		one(ts, "backend_framework", "Koa", "=Koa"),
		one(ts, "backend_framework", "Phoenix", "=Phoenix"),
		one(ts, "mobile_framework", "React Native", "react native"),
		one(ts, "mobile_framework", "Flutter", "=Flutter"),
		one(ts, "mobile_framework", "Ionic", "=Ionic"),
		one(ts, "mobile_framework", "Xamarin", "xamarin"),
		one(ts, "mobile_framework", ".NET MAUI", "=MAUI", ".net maui"),
		lang("go", "Go", "golang", "=Go"),
		lang("python", "Python", "python"),
		lang("java", "Java", "java"),
		lang("typescript", "TypeScript", "typescript"),
		lang("javascript", "JavaScript", "javascript", "node.js", "nodejs", "=Node"),
		lang("rust", "Rust", "=Rust"),
		lang("ruby", "Ruby", "=Ruby"),
		lang("php", "PHP", "php"),
		lang("csharp", "C#", "c#"),
		lang("kotlin", "Kotlin", "kotlin"),
		lang("swift", "Swift", "=Swift"),
		lang("scala", "Scala", "scala"),
		lang("elixir", "Elixir", "elixir"),
		lang("dart", "Dart", "=Dart"),
		lang("cpp", "C++", "c++"),
		lang("clojure", "Clojure", "clojure"),

		one(se, "identity_provider", "Auth0", "auth0"),
		one(se, "identity_provider", "Keycloak", "keycloak"),
		one(se, "identity_provider", "Okta", "okta"),
		one(se, "identity_provider", "Amazon Cognito", "cognito"),
		one(se, "identity_provider", "Microsoft Entra ID", "azure ad", "azure active directory", "entra id", "active directory"),
		one(se, "identity_provider", "Firebase Authentication", "firebase auth", "firebase authentication"),
		one(se, "identity_provider", "Google Workspace", "google workspace", "g suite", "gsuite", "sign in with google workspace", "log in with google workspace", "login with google workspace"),
		one(se, "identity_provider", "OneLogin", "onelogin"),
		one(se, "identity_provider", "Ping Identity", "ping identity", "pingfederate"),
		one(se, "identity_provider", "JumpCloud", "jumpcloud"),
		one(se, "identity_provider", "ADFS", "adfs", "ad fs", "active directory federation services"),
		one(se, "identity_provider", "FusionAuth", "fusionauth"),
		one(se, "identity_provider", "WorkOS", "workos"),
		one(se, "identity_provider", "Stytch", "stytch"),
		one(se, "identity_provider", "Clerk", "clerk.com", "clerk.dev"),
		many(se, "auth_", "oauth2", "OAuth 2.0", "oauth", "oauth2", "oauth 2", "oauth 2.0", "sign in with google", "sign in with apple", "login with google",
			"log in with google", "google sign-in", "google login", "facebook login", "social login", "social logins", "sign in with microsoft", "google account", "google accounts"),
		many(se, "auth_", "oidc", "OpenID Connect", "openid connect", "oidc"),
		many(se, "auth_", "saml", "SAML", "saml"),
		many(se, "auth_", "sso", "Single sign-on", "sso", "single sign-on", "single sign on"),
		many(se, "auth_", "ldap", "LDAP", "ldap"),
		many(se, "auth_", "jwt", "JWT", "jwt", "jwts", "json web tokens"),
		many(se, "auth_", "mfa", "Multi-factor authentication", "mfa", "2fa", "two-factor", "two factor", "multi-factor", "multi factor", "one-time code", "one-time codes",
			"one-time password", "one-time passwords", "=OTP", "sms codes", "sms code", "verification codes", "one-time pin", "totp", "authenticator app", "second factor", "two-step verification", "2-step verification", "two-step", "=Duo"),
		many(se, "auth_", "passkeys", "Passkeys", "passkeys", "webauthn"),
		many(se, "auth_", "magic_link", "Magic link", "magic link", "magic links", "magic-link", "passwordless email link", "login link", "log-in link", "sign-in link",
			"login links", "sign-in links", "one-time link", "email link", "link by email", "link by e-mail"),
		many(se, "compliance_", "gdpr", "GDPR", "gdpr"),
		many(se, "compliance_", "hipaa", "HIPAA", "hipaa"),
		many(se, "compliance_", "soc2", "SOC 2", "soc 2", "soc2"),
		many(se, "compliance_", "pci_dss", "PCI DSS", "pci dss", "pci-dss", "=PCI"),
		many(se, "compliance_", "iso27001", "ISO 27001", "iso 27001", "iso27001"),
		many(se, "compliance_", "ccpa", "CCPA", "ccpa"),
		one(se, "secrets_management", "HashiCorp Vault", "=Vault", "hashicorp vault"),
		one(se, "secrets_management", "AWS Secrets Manager", "secrets manager"),

		one(te, "ci_tool", "GitHub Actions", "github actions"),
		one(te, "ci_tool", "GitLab CI", "gitlab ci", "gitlab pipelines", "gitlab ci/cd"),
		one(te, "ci_tool", "Jenkins", "jenkins"),
		one(te, "ci_tool", "CircleCI", "circleci", "circle ci"),
		one(te, "ci_tool", "Azure DevOps", "azure devops", "azure pipelines"),
		one(te, "ci_tool", "Buildkite", "buildkite"),
		one(te, "ci_tool", "Travis CI", "travis ci", "travis"),
		one(te, "ci_tool", "Bitbucket Pipelines", "bitbucket pipelines"),
		one(te, "ci_tool", "TeamCity", "teamcity"),
		many(te, "test_framework_", "jest", "Jest", "=Jest"),
		many(te, "test_framework_", "pytest", "pytest", "pytest"),
		many(te, "test_framework_", "junit", "JUnit", "junit"),
		many(te, "test_framework_", "cypress", "Cypress", "cypress"),
		many(te, "test_framework_", "playwright", "Playwright", "playwright"),
		many(te, "test_framework_", "selenium", "Selenium", "selenium"),
		one(te, "load_testing_tool", "k6", "k6"),
		one(te, "load_testing_tool", "JMeter", "jmeter"),
		one(te, "load_testing_tool", "Locust", "=Locust"),
		one(te, "load_testing_tool", "Gatling", "gatling"),

		one(mo, "metrics_tool", "Prometheus", "prometheus"),
		one(mo, "metrics_tool", "Datadog", "datadog"),
		one(mo, "metrics_tool", "New Relic", "new relic", "newrelic"),
		one(mo, "metrics_tool", "CloudWatch", "cloudwatch"),
		one(mo, "metrics_tool", "Dynatrace", "dynatrace"),
		one(mo, "metrics_tool", "AppDynamics", "appdynamics"),
		one(mo, "metrics_tool", "Azure Monitor", "azure monitor", "application insights", "app insights"),
		one(mo, "dashboards", "Grafana", "grafana"),
		one(mo, "error_tracking", "Sentry", "=Sentry"),
		one(mo, "error_tracking", "Rollbar", "rollbar"),
		one(mo, "error_tracking", "Bugsnag", "bugsnag"),
		one(mo, "error_tracking", "Honeybadger", "honeybadger"),
		one(mo, "log_management", "ELK stack", "=ELK", "elk stack", "logstash", "kibana"),
		one(mo, "log_management", "Splunk", "splunk"),
		one(mo, "log_management", "Loki", "=Loki"),
		one(mo, "log_management", "Graylog", "graylog"),
		one(mo, "log_management", "Papertrail", "papertrail"),
		one(mo, "log_management", "Better Stack", "better stack", "logtail"),
		one(mo, "tracing", "OpenTelemetry", "opentelemetry", "otel"),
		one(mo, "tracing", "Jaeger", "jaeger"),
		one(mo, "tracing", "Zipkin", "zipkin"),
		one(mo, "tracing", "Honeycomb", "honeycomb"),
		one(mo, "tracing", "Grafana Tempo", "grafana tempo"),
		one(mo, "alerting", "PagerDuty", "pagerduty", "pager duty"),
		one(mo, "alerting", "Opsgenie", "opsgenie"),
		one(mo, "alerting", "incident.io", "incident.io"),
	}
}

// techAliases maps every spelling the dictionary knows, in lower case, to
// its technology's canonical name in lower case, so that values written
// differently ("Postgres", "PostgreSQL") compare equal.
var techAliases = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	for _, t := range technologies() {
		name := strings.ToLower(t.Name)
		out[name] = name
		for _, p := range t.Patterns {
			out[strings.ToLower(strings.TrimPrefix(p, "="))] = name
		}
	}
	return out
})

// severityOfKey is how serious two different values of a key are.
func severityOfKey(key string) models.ConflictSeverity {
	switch key {
	case "database", "cloud_provider", "backend_language", "backend_framework", "compute_model":
		return models.ConflictSeverityHigh
	case "deployment_regions", "identity_provider", "message_queue", "frontend_framework", "orchestration":
		return models.ConflictSeverityMedium
	}
	return models.ConflictSeverityMedium
}

// isTechKey reports whether a key names a technology choice.
func isTechKey(key string) bool {
	for _, t := range technologies() {
		if t.Key == key {
			return true
		}
	}
	switch key {
	case "backend_language", "frontend_language", "connection_model":
		return true
	}
	return false
}
