package socratic

import "socrates/models"

// Template is a question of the built-in bank. Key identifies it for
// statistics and repetition checks; SpecKey is the specification key its
// answer fills.
type Template struct {
	Key      string
	Category models.SpecCategory
	SpecKey  string
	Text     string
	Context  string
}

// Bank returns the built-in question bank: at least eight open questions
// per category, ordered within a category from WHAT to HOW.
func Bank() []Template {
	g, r, ts := models.SpecCategoryGoals, models.SpecCategoryRequirements, models.SpecCategoryTechStack
	sc, se, pf := models.SpecCategoryScalability, models.SpecCategorySecurity, models.SpecCategoryPerformance
	te, mo, dr := models.SpecCategoryTesting, models.SpecCategoryMonitoring, models.SpecCategoryDataRetention
	dis := models.SpecCategoryDisasterRecovery
	return []Template{
		{"goals.problem", g, "problem_statement", "What problem will this system solve, and for whom?", "Everything else follows from the problem; a clear statement keeps later decisions honest."},
		{"goals.users", g, "target_users", "Who will use the system day to day, and what are they trying to get done?", "Knowing the people behind the requirements shows which ones matter most."},
		{"goals.success", g, "success_criteria", "How will you know, six months after launch, that the system succeeded?", "Success criteria turn a vague aim into something the design can be checked against."},
		{"goals.current", g, "current_solution", "How is this problem handled today, and what is painful about it?", "The current way of working reveals constraints and the real pain worth removing."},
		{"goals.stakeholders", g, "stakeholders", "Whose approval or support does the project depend on, and what does each of them care about?", "Stakeholders with different priorities are an early source of conflicting requirements."},
		{"goals.scope", g, "out_of_scope", "What is deliberately out of scope for the first version?", "Naming what will not be built protects the schedule as much as naming what will."},
		{"goals.deadline", g, "deadline", "When does the first version have to be in users' hands, and what drives that date?", "A date and its reason decide how much can be built and which trade-offs are acceptable."},
		{"goals.budget", g, "budget", "What budget and team are available to build and run the system?", "Resources bound every other choice, from hosting to how much is tested."},
		{"goals.risks", g, "key_risks", "What could make this project fail, in your view?", "Risks named early can be designed around instead of discovered late."},

		{"req.core", r, "core_features", "What are the few things the system must do on day one?", "The core features define the smallest version worth releasing."},
		{"req.journey", r, "primary_user_journey", "Can you walk me through the most common thing a user does, step by step?", "A concrete journey exposes requirements that feature lists miss."},
		{"req.data", r, "core_data", "What information does the system create, store or change?", "The data model is the hardest part to change later, so it deserves attention first."},
		{"req.integrations", r, "integrations", "Which other systems or services does this one exchange data with?", "Integrations carry their own formats, limits and failure modes."},
		{"req.roles", r, "user_roles", "What different kinds of users are there, and what may each of them do?", "Roles shape both the interface and the authorization rules."},
		{"req.notifications", r, "notifications", "When does the system tell people something happened, and through which channels?", "Notifications are easy to forget and hard to retrofit."},
		{"req.reporting", r, "reporting", "What reports, exports or views do people rely on to make decisions?", "Reporting needs often dictate how data is structured and kept."},
		{"req.offline", r, "availability_context", "Where and on which devices will people use the system, and is connectivity reliable there?", "The environment of use decides between web, mobile and offline-capable designs."},
		{"req.admin", r, "administration", "What will operators or administrators do that ordinary users cannot?", "Administration features are requirements too, and usually underestimated."},

		{"tech.constraints", ts, "technology_constraints", "What technologies, if any, are already decided or ruled out, and why?", "Existing commitments and constraints narrow the design space before anything else."},
		{"tech.team_skills", ts, "team_skills", "Which languages and tools does the team know well today?", "Familiar tools reduce risk; unfamiliar ones need time budgeted to learn them."},
		{"tech.database", ts, "database", "What kind of data store fits the information you described, and what makes it fit?", "The data store is among the hardest choices to reverse."},
		{"tech.hosting", ts, "cloud_provider", "Where will the system run: which cloud, data centre or devices?", "Hosting decides costs, operational work and some legal obligations."},
		{"tech.backend", ts, "backend_language", "What will the server side be written in, and what drives that choice?", "The main language shapes hiring, libraries and performance characteristics."},
		{"tech.frontend", ts, "frontend_framework", "How will people interact with the system: web, mobile, command line, or an API only?", "The interface technology follows from how and where people use the system."},
		{"tech.messaging", ts, "message_queue", "Which parts of the work can happen in the background rather than while a user waits?", "Background work may call for queues or schedulers, with their own operational cost."},
		{"tech.deployment", ts, "deployment_model", "How will new versions be packaged and deployed?", "The deployment model affects release speed, rollback and hosting choices."},

		{"scale.users", sc, "expected_users", "How many people will use the system at launch, and a year later?", "User numbers set the scale every component is sized for."},
		{"scale.concurrency", sc, "concurrent_users", "At the busiest moment, how many people will be using it at the same time?", "Peak concurrency, not the total, is what breaks systems."},
		{"scale.data", sc, "data_volume", "How much data do you expect to hold after the first year?", "Data volume decides storage, indexing and backup strategies."},
		{"scale.growth", sc, "growth_rate", "How fast do you expect usage or data to grow?", "Growth tells whether to design for today's load or for a larger one."},
		{"scale.peaks", sc, "traffic_pattern", "Are there predictable peaks, such as a daily rush, a season or a campaign?", "Known peaks can be planned for; unknown ones need elasticity."},
		{"scale.regions", sc, "deployment_regions", "Where in the world are your users, and does the system have to serve several regions?", "Geography brings latency, data residency and replication into the design."},
		{"scale.writes", sc, "write_load", "How often is data written compared with read?", "The read/write balance shapes caching and database choices."},
		{"scale.limits", sc, "scaling_limits", "What would happen if usage were ten times higher than planned?", "Imagining overload shows which parts must scale and which may simply queue."},

		{"sec.auth", se, "authentication", "How will people prove who they are when they sign in?", "Authentication is the front door; its design affects every user."},
		{"sec.authz", se, "authorization", "Who may see or change which data, and who decides?", "Access rules are requirements, not implementation details."},
		{"sec.sensitive", se, "sensitive_data", "What personal or sensitive information will the system handle?", "Sensitive data raises legal duties and the cost of a breach."},
		{"sec.compliance", se, "compliance", "Which laws, standards or certifications apply to the system?", "Compliance regimes such as GDPR or HIPAA impose concrete technical controls."},
		{"sec.threats", se, "threat_model", "Who might want to misuse the system, and what would they be after?", "A threat model focuses effort on the attacks that matter."},
		{"sec.secrets", se, "secrets_management", "Where will keys, passwords and other secrets be kept, and who can reach them?", "Secret handling is a frequent cause of real breaches."},
		{"sec.encryption", se, "encryption", "What needs protecting in transit and at rest?", "Encryption requirements influence storage, networking and key management."},
		{"sec.audit", se, "audit_trail", "Which actions must be traceable to a person afterwards?", "Audit trails serve security investigations and compliance alike."},

		{"perf.latency", pf, "latency_target", "How quickly should the system respond for the actions people use most?", "A latency target turns 'fast enough' into a measurable requirement."},
		{"perf.throughput", pf, "throughput", "How many requests or transactions per second must it handle at peak?", "Throughput sizes servers, databases and queues."},
		{"perf.uptime", pf, "uptime_target", "How much downtime can users tolerate in a month?", "An availability target decides redundancy and its cost."},
		{"perf.heavy", pf, "heavy_operations", "Which operations are expensive, such as reports, imports or searches?", "Heavy operations may belong in the background or need special handling."},
		{"perf.resources", pf, "resource_budget", "What limits on memory, CPU or cost per request must the system respect?", "Resource budgets keep performance work tied to real constraints."},
		{"perf.devices", pf, "client_constraints", "On what devices and networks must the system still feel responsive?", "Slow devices and networks change what 'fast' means."},
		{"perf.degradation", pf, "degradation_strategy", "When the system is overloaded, what should slow down first, and what must keep working?", "Planned degradation protects the functions that matter most."},
		{"perf.caching", pf, "cacheable_data", "Which information changes rarely and could be served from a copy?", "Knowing what is cacheable is often the cheapest performance gain."},

		{"test.strategy", te, "test_strategy", "How will you gain confidence that a change works before it reaches users?", "A test strategy decides how safely and how often the system can change."},
		{"test.critical", te, "critical_paths", "Which behaviours would be most damaging if they broke?", "Critical paths deserve the most thorough and automated tests."},
		{"test.coverage", te, "coverage_target", "What level of automated test coverage would you consider sufficient?", "A coverage goal makes the testing effort explicit and checkable."},
		{"test.environments", te, "test_environments", "Which environments will exist between a developer's machine and production?", "Environments determine where problems are found and how realistic tests are."},
		{"test.data", te, "test_data", "What data will tests run against, and can it contain real user information?", "Test data raises both realism and privacy questions."},
		{"test.ci", te, "ci_tool", "How and where will tests run automatically?", "Continuous integration makes the test strategy happen on every change."},
		{"test.load", te, "load_testing", "How will you check that the system copes with the load you expect?", "Load tests verify the scalability and performance targets."},
		{"test.acceptance", te, "acceptance_criteria", "Who decides a feature is done, and by what criteria?", "Acceptance criteria connect testing to the goals of the project."},

		{"mon.signals", mo, "health_signals", "What would tell you the system is healthy, or not?", "Health signals define what to measure before choosing tools."},
		{"mon.alerts", mo, "alerting", "Who should be woken up, and for what kinds of problems?", "Alerting rules decide how quickly failures reach someone who can act."},
		{"mon.logs", mo, "logging", "What should be recorded about each request or action for later investigation?", "Logs are the raw material of every incident investigation."},
		{"mon.metrics", mo, "metrics", "Which numbers about usage and performance would you look at every week?", "Regularly reviewed metrics reveal trends before they become incidents."},
		{"mon.tools", mo, "monitoring_tool", "Which monitoring or observability tools are already in use in your organisation?", "Reusing existing tools lowers the operational burden."},
		{"mon.oncall", mo, "on_call", "How will incidents be handled outside working hours?", "On-call arrangements are a cost that availability targets imply."},
		{"mon.business", mo, "business_metrics", "Which business outcomes should the system report on automatically?", "Business metrics link operations back to the project's goals."},
		{"mon.tracing", mo, "tracing", "When a request is slow, how would you find out where the time went?", "Tracing needs to be designed in; it is hard to add later."},

		{"ret.period", dr, "retention_period", "How long must the information you collect be kept?", "Retention periods drive storage costs and legal exposure."},
		{"ret.deletion", dr, "deletion_policy", "What should happen when a user asks for their data to be deleted?", "Deletion requests are a legal right in many places and touch every store."},
		{"ret.archival", dr, "archival", "Which old data must stay available, and how quickly must it be retrievable?", "Archival tiers trade retrieval speed for cost."},
		{"ret.logs", dr, "log_retention", "How long should logs and audit records be kept?", "Logs often hold personal data and need their own retention rules."},
		{"ret.legal", dr, "legal_holds", "Are there legal or contractual obligations to keep certain records?", "Obligations to keep data can conflict with obligations to delete it."},
		{"ret.backups", dr, "backup_retention", "How long should backups themselves be kept?", "Backups are data too, with retention and deletion duties."},
		{"ret.anonymise", dr, "anonymisation", "Could some data be anonymised or aggregated instead of kept in full?", "Anonymised data can often be kept longer and with less risk."},
		{"ret.ownership", dr, "data_ownership", "Who owns the data in the system, and who may export it?", "Ownership decides export, portability and deletion rights."},

		{"dr.loss", dis, "rpo", "How much recently entered data could the business afford to lose in a disaster?", "This is the recovery point objective; it sets backup frequency."},
		{"dr.downtime", dis, "rto", "How long could the system be unavailable after a major failure before it hurts the business?", "This is the recovery time objective; it sets how fast recovery must be."},
		{"dr.backups", dis, "backup_frequency", "How often should backups be taken, and where should they be stored?", "Backup frequency and location decide what survives a disaster."},
		{"dr.failover", dis, "failover", "If the main data centre or region failed, what should happen?", "Failover strategy ranges from restore-from-backup to hot standby, at very different costs."},
		{"dr.restore_test", dis, "restore_testing", "How will you know the backups can actually be restored?", "Untested backups are a common and painful surprise."},
		{"dr.dependencies", dis, "critical_dependencies", "Which external services would stop the system from working if they failed?", "Critical dependencies need their own fallback plans."},
		{"dr.runbook", dis, "recovery_runbook", "Who would lead a recovery, and where would they find the steps?", "A recovery runbook turns a crisis into a procedure."},
		{"dr.corruption", dis, "data_corruption", "How would you recover from data that was corrupted or deleted by mistake?", "Logical errors need point-in-time recovery, not just failover."},
	}
}
