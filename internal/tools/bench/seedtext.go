package main

import "fmt"

// specValues are realistic specification values: five per category, in
// the domain's category order, matching the first five questions of each
// category in the built-in bank.
func specValues() [10][5]string {
	return [10][5]string{
		{ // GOALS
			"Field technicians lose hours re-entering inspection reports from paper",
			"About 400 field technicians and 30 dispatchers in three regional offices",
			"Reports filed the same day for 95% of inspections within six months",
			"Paper forms scanned at the office and typed into a spreadsheet weekly",
			"Operations director (cost), safety officer (audit trail), IT (support load)",
		},
		{ // REQUIREMENTS
			"Offline inspection forms, photo capture, dispatcher review and sign-off",
			"Open job, fill checklist, attach photos, sign, sync when back online",
			"Inspections, checklists, photos, signatures, assets and their locations",
			"Asset register in SAP, single sign-on through the corporate directory",
			"Technician, dispatcher, safety auditor and administrator roles",
		},
		{ // TECH_STACK
			"Must run on the existing Kubernetes platform; no new vendors this year",
			"Go and TypeScript on the backend team, Kotlin for the Android app",
			"PostgreSQL 15 with daily logical backups and one read replica",
			"AWS eu-central-1, managed through the platform team's Terraform",
			"Go for the API and workers, chosen for the team's experience",
		},
		{ // SCALABILITY
			"20,000 users at launch, 60,000 after the second region joins",
			"About 2,000 concurrent users during the morning dispatch window",
			"Roughly 4 TB of photos and 30 GB of structured data after a year",
			"Usage doubling yearly as regions migrate off the paper process",
			"Sharp peak between 7 and 9 am on weekdays, quiet at weekends",
		},
		{ // SECURITY
			"OpenID Connect against the corporate identity provider, with MFA",
			"Dispatchers see their region; auditors read everything, change nothing",
			"Names, phone numbers and GPS traces of technicians; no health data",
			"GDPR, and ISO 27001 controls required by the parent company",
			"Leaked inspection data used to dispute liability after incidents",
		},
		{ // PERFORMANCE
			"Checklist screens open in under 200 ms at p95 on a mid-range phone",
			"300 requests/s at peak, mostly photo uploads and form syncs",
			"99.9% uptime during working hours, planned maintenance at night",
			"Monthly compliance export across all regions takes several minutes",
			"Under 0.02 EUR of infrastructure per inspection on average",
		},
		{ // TESTING
			"Unit tests on every change, end-to-end tests on a staging copy nightly",
			"Sync conflicts and signatures: a lost signature voids the inspection",
			"80% line coverage on the sync and reporting packages",
			"Developer laptops, a shared staging cluster, then production",
			"Synthetic inspections generated from templates; no real customer data",
		},
		{ // MONITORING
			"Sync queue length, upload error rate and p95 latency per region",
			"On-call engineer paged for sync failures above 2% for ten minutes",
			"Structured JSON logs with request ids, kept searchable for 30 days",
			"Weekly review of inspections filed per day and time to sign-off",
			"Prometheus and Grafana, already run by the platform team",
		},
		{ // DATA_RETENTION
			"Inspection records kept 10 years, as the safety regulator requires",
			"Technician personal data erased 90 days after they leave the company",
			"Photos older than two years moved to cold storage, retrievable in a day",
			"Application logs 30 days, audit records 7 years",
			"Records tied to an incident investigation are frozen until it closes",
		},
		{ // DISASTER_RECOVERY
			"RPO of 15 minutes for structured data, 24 hours for photos",
			"RTO of 4 hours for the whole system, 1 hour for sync",
			"Continuous WAL archiving plus nightly snapshots to another region",
			"Warm standby in a second region, promoted by hand after a decision",
			"Quarterly restore drill into a scratch environment, timed and logged",
		},
	}
}

// answerFor turns a specification value into an answer of realistic length.
func answerFor(value string, i int) string {
	reasons := []string{
		"We agreed on this with the operations team last month and it is unlikely to change before launch.",
		"That is our current understanding; the regional managers will confirm it in the next planning review.",
		"This comes from the pilot we ran in the northern region, where the old process was measured for six weeks.",
		"Legal and the safety officer both signed off on this, so please treat it as a firm requirement.",
	}
	return fmt.Sprintf("%s. %s", value, reasons[i%len(reasons)])
}

// projectNames are plausible project names; a number is appended.
func projectNames() []string {
	return []string{
		"Field inspection app", "Payments platform", "Clinic scheduling", "Fleet telematics",
		"Warehouse robotics control", "Customer support portal", "Energy metering backend",
		"Loyalty programme", "Grant applications", "Student records",
	}
}

// conflictTexts are realistic conflict types, severities and descriptions.
func conflictTexts() []struct{ Type, Severity, Rule, Description string } {
	return []struct{ Type, Severity, Rule, Description string }{
		{"TECHNOLOGY", "HIGH", "same_key_different_value", "Two different primary data stores were stated: the existing PostgreSQL decision and a new document database."},
		{"REQUIREMENT", "MEDIUM", "same_key_different_value", "The expected number of concurrent users differs between the dispatch interview and the scalability workshop."},
		{"TIMELINE", "CRITICAL", "deadline_vs_scope", "A two-week deadline was given for a scope that includes offline sync, signatures and the SAP integration."},
		{"RESOURCE", "HIGH", "budget_vs_availability", "A budget of 400 EUR a month cannot pay for the 99.99% availability requested in the same session."},
		{"REQUIREMENT", "LOW", "same_key_different_value", "The retention period for photos is two years in one answer and ten years in another."},
	}
}
