package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// machineInfo describes where the figures were measured.
type machineInfo struct {
	CPUs     int
	Model    string
	MemGiB   float64
	Go       string
	Postgres string
	Node     string
	// LoadStart and LoadEnd are the load averages when the run began and
	// ended (other work on the machine skews the figures).
	LoadStart, LoadEnd string
}

// sideBySide holds the rounds of one read at one concurrency.
type sideBySide struct {
	Workload string
	Clients  int
	Socrates []phaseResult
	Peer     []phaseResult
}

// countRow is the statement counts of one read on one server.
type countRow struct {
	Workload string
	Server   string
	One      countResult
	Many     countResult
}

// askSummary is the ask-and-answer workload's figures.
type askSummary struct {
	Run           askResult
	CPUPerRound   float64
	PGCPUPerRound float64
	CountOne      countResult
	CountMany     countResult
}

// report is everything one bench run measured.
type report struct {
	Command  string
	Machine  machineInfo
	Settings string
	Seed     *Seeded
	Reads    []sideBySide
	Counts   []countRow
	SQLite   []sideBySide
	Ask      *askSummary
	Fanout   *fanoutResult
	Hostile  []hostileResult
	Notes    []string
	Took     time.Duration
}

// num formats a figure, or "n/a" for one not measured.
func num(x float64, decimals int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.*f", decimals, x)
}

// times formats a ratio.
func times(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", x)
}

// figure is one column of the read tables.
type figure struct {
	Header   string
	Decimals int
	Of       func(phaseResult) float64
}

func readFigures() []figure {
	return []figure{
		{"req/s", 1, func(r phaseResult) float64 { return r.RPS }},
		{"p50 ms", 1, func(r phaseResult) float64 { return r.P50 }},
		{"p99 ms", 1, func(r phaseResult) float64 { return r.P99 }},
		{"server CPU ms/req", 2, func(r phaseResult) float64 { return r.CPUPerReq }},
		{"PG CPU ms/req", 2, func(r phaseResult) float64 { return r.PGCPUPerReq }},
		{"peak RSS MiB", 0, func(r phaseResult) float64 { return r.PeakRSS }},
	}
}

func medianOf(rs []phaseResult, f func(phaseResult) float64) float64 {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	return median(xs)
}

func roundsRPS(rs []phaseResult) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = num(r.RPS, 0)
		if r.Failures > 0 {
			parts[i] += fmt.Sprintf(" (%d failed)", r.Failures)
		}
	}
	return strings.Join(parts, ", ")
}

// writeReads renders a table of reads: each server's medians over rounds
// and, when both servers ran, the ratio Socrates/PostGraphile of those
// medians.
func writeReads(w io.Writer, rows []sideBySide, peerName string) {
	figs := readFigures()
	head := []string{"query", "clients", "server"}
	for _, f := range figs {
		head = append(head, f.Header)
	}
	head = append(head, "req/s by round")
	writeRow(w, head)
	writeRow(w, separator(len(head)))
	for _, r := range rows {
		line := func(server string, rs []phaseResult) {
			cells := []string{r.Workload, fmt.Sprint(r.Clients), server}
			for _, f := range figs {
				cells = append(cells, num(medianOf(rs, f.Of), f.Decimals))
			}
			writeRow(w, append(cells, roundsRPS(rs)))
		}
		line("Socrates", r.Socrates)
		if len(r.Peer) == 0 {
			continue
		}
		line(peerName, r.Peer)
		cells := []string{r.Workload, fmt.Sprint(r.Clients), "**ratio Socrates/" + peerName + "**"}
		for _, f := range figs {
			cells = append(cells, "**"+times(ratio(medianOf(r.Socrates, f.Of), medianOf(r.Peer, f.Of)))+"**")
		}
		writeRow(w, append(cells, ""))
	}
}

func writeRow(w io.Writer, cells []string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
}

func separator(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "---"
	}
	return out
}

// Render writes the report as markdown.
func (r *report) Render(w io.Writer) {
	fmt.Fprintf(w, "## Bench run\n\n")
	fmt.Fprintf(w, "Command: `%s`\n\n", r.Command)
	m := r.Machine
	fmt.Fprintf(w, "- Machine: %d CPUs (%s), %.1f GiB memory\n", m.CPUs, m.Model, m.MemGiB)
	fmt.Fprintf(w, "- Go %s; PostgreSQL %s; peer Node %s\n", m.Go, orNA(m.Postgres), orNA(m.Node))
	fmt.Fprintf(w, "- Load average (1, 5, 15 min): %s at the start, %s at the end\n", orNA(m.LoadStart), orNA(m.LoadEnd))
	fmt.Fprintf(w, "- Settings: %s\n", r.Settings)
	if r.Seed != nil {
		fmt.Fprintf(w, "- Seed: %d rows in %s (1 user, %d projects x %d sessions x %d questions, %d specifications and %d conflicts each; %d ask users; 1 fan-out user)\n",
			r.Seed.Rows, r.Seed.Took.Round(time.Millisecond), benchProjects, sessionsPerProject, questionsPerSession, specsPerProject, conflictsPerProject, askUserCount)
	}
	fmt.Fprintf(w, "- Whole run: %s\n\n", r.Took.Round(time.Second))

	if len(r.Reads) > 0 {
		fmt.Fprintf(w, "### Reads on PostgreSQL (medians over rounds)\n\n")
		writeReads(w, r.Reads, "PostGraphile")
		fmt.Fprintln(w)
	}
	if len(r.Counts) > 0 {
		fmt.Fprintf(w, "### SQL statements (through the counting proxy)\n\n")
		one, many := r.Counts[0].One.Clients, r.Counts[0].Many.Clients
		writeRow(w, []string{"query", "server",
			fmt.Sprintf("statements/req (%d client)", one), fmt.Sprintf("statements/req (%d clients)", many),
			fmt.Sprintf("Parse/100 req (%d)", one), fmt.Sprintf("distinct texts/100 req (%d)", one),
			fmt.Sprintf("Parse/100 req (%d)", many), fmt.Sprintf("distinct texts/100 req (%d)", many), "requests counted"})
		writeRow(w, separator(9))
		decimals := []int{2, 2, 0, 0, 0, 0}
		for i, c := range r.Counts {
			cells := []string{c.Workload, c.Server}
			for j, f := range countFigures(c) {
				cells = append(cells, num(f, decimals[j]))
			}
			writeRow(w, append(cells, fmt.Sprintf("%d + %d", c.One.Requests, c.Many.Requests)))
			if i > 0 && r.Counts[i-1].Workload == c.Workload {
				prev := r.Counts[i-1]
				cells := []string{c.Workload, "**ratio " + prev.Server + "/" + c.Server + "**"}
				a, b := countFigures(prev), countFigures(c)
				for j := range a {
					cells = append(cells, "**"+times(ratio(a[j], b[j]))+"**")
				}
				writeRow(w, append(cells, ""))
			}
		}
		fmt.Fprintln(w)
	}
	if len(r.SQLite) > 0 {
		fmt.Fprintf(w, "### Socrates on SQLite (same seed, no peer; medians over rounds)\n\n")
		writeReads(w, r.SQLite, "")
		fmt.Fprintln(w)
	}
	if a := r.Ask; a != nil {
		lat := sortedCopy(a.Run.Latencies)
		fmt.Fprintf(w, "### Ask and answer (Socrates on PostgreSQL, %d users, one round = askNextQuestion + answerQuestion)\n\n", a.Run.Users)
		writeRow(w, []string{"answers/s", "p50 round ms", "p99 round ms", "server CPU ms/round", "PG CPU ms/round",
			fmt.Sprintf("statements/round (%d user)", a.CountOne.Clients), fmt.Sprintf("statements/round (%d users)", a.CountMany.Clients),
			"Parse/round", "new sessions"})
		writeRow(w, separator(9))
		writeRow(w, []string{num(a.Run.AnswersPerSecond(), 1), num(ms(percentile(lat, 50)), 1), num(ms(percentile(lat, 99)), 1),
			num(a.CPUPerRound, 2), num(a.PGCPUPerRound, 2), num(a.CountOne.StatementsPerRequest(), 1), num(a.CountMany.StatementsPerRequest(), 1),
			num(a.CountMany.ParsesPer100()/100, 1), fmt.Sprint(a.Run.NewSessions)})
		fmt.Fprintln(w)
	}
	if f := r.Fanout; f != nil {
		resp, sent := sortedCopy(f.FromResponse), sortedCopy(f.FromSent)
		fmt.Fprintf(w, "### Fan-out (%d graphql-transport-ws subscribers of one session's sessionEvents)\n\n", f.Subscribers)
		fmt.Fprintf(w, "- Subscribing: %s until all %d had connection_ack and sent subscribe; %s until every one had received a probe event\n",
			f.Connected.Round(time.Millisecond), f.Subscribers, f.Live.Round(time.Millisecond))
		fmt.Fprintf(w, "- Driver: %d askNextQuestion + %d answerQuestion, 300 ms pause after each answer; %d events expected per subscriber\n",
			f.Asks, f.Answers, f.ExpectedPer)
		fmt.Fprintf(w, "- Events: expected %d, received %d, missed %d, unexpected %d; subscriptions ended early: %d\n",
			f.Expected, f.Received, f.Expected-f.Received, f.Unexpected, f.Ended)
		fmt.Fprintf(w, "- Latency from the triggering mutation's HTTP response: p50 %s ms, p99 %s ms, max %s ms\n",
			num(ms(percentile(resp, 50)), 1), num(ms(percentile(resp, 99)), 1), num(ms(percentile(resp, 100)), 1))
		fmt.Fprintf(w, "- Latency from the triggering mutation's request: p50 %s ms, p99 %s ms, max %s ms\n\n",
			num(ms(percentile(sent, 50)), 1), num(ms(percentile(sent, 99)), 1), num(ms(percentile(sent, 100)), 1))
	}
	if len(r.Hostile) > 0 {
		fmt.Fprintf(w, "### Hostile documents (Socrates, one at a time, slowest first)\n\n")
		writeRow(w, []string{"document", "outcome", "server CPU ms/req", "p50 ms", "response bytes"})
		writeRow(w, separator(5))
		var slowest *hostileResult
		for i, h := range r.Hostile {
			outcome := "accepted"
			if !h.Accepted {
				outcome = "refused: " + h.Code
			} else if slowest == nil {
				slowest = &r.Hostile[i]
			}
			writeRow(w, []string{h.Name, outcome, num(h.CPUPerReq, 1), num(h.P50, 1), fmt.Sprint(h.Bytes)})
		}
		if slowest != nil {
			fmt.Fprintf(w, "\nSlowest accepted document: **%s**, %s ms of server CPU per request.\n", slowest.Name, num(slowest.CPUPerReq, 1))
		}
		fmt.Fprintln(w)
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(w, "### Notes\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
		fmt.Fprintln(w)
	}
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

// countFigures are the columns of the statements table, per count row.
func countFigures(c countRow) []float64 {
	return []float64{c.One.StatementsPerRequest(), c.Many.StatementsPerRequest(), c.One.ParsesPer100(), c.One.TextsPer100(),
		c.Many.ParsesPer100(), c.Many.TextsPer100()}
}
