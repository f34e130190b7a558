package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"socrates/internal/config"
	"socrates/internal/database"
)

// run executes the selected parts in order.
func (b *bench) run(ctx context.Context) error {
	o := b.opts
	limit, err := raiseOpenFiles()
	if err != nil {
		return err
	}
	if o.wants("fanout") && limit < uint64(2*o.Subscribers+256) {
		return fmt.Errorf("the open-file limit is %d, too low for %d subscribers; raise it (ulimit -n) or lower -subscribers", limit, o.Subscribers)
	}
	tmp, err := os.MkdirTemp("", "socrates-bench-*")
	if err != nil {
		return fmt.Errorf("make a scratch folder: %w", err)
	}
	b.onCleanup(func() { _ = os.RemoveAll(tmp) })
	b.rep.Machine = machineInfo{CPUs: runtime.NumCPU(), Model: cpuModel(), MemGiB: totalMemoryGiB(), Go: runtime.Version(), LoadStart: loadAverage()}
	b.rep.Settings = o.settings()

	needPG := slices.ContainsFunc([]string{"n", "s", "statements", "ask", "fanout", "hostile"}, o.wants)
	usePeer := o.Peer && (o.wants("n") || o.wants("s") || o.wants("statements"))
	var admin *pgAdmin
	if needPG {
		if admin, err = connectAdmin(ctx, o.PGURL); err != nil {
			return err
		}
		b.onCleanup(admin.Close)
		if b.rep.Machine.Postgres, err = admin.ServerVersion(ctx); err != nil {
			return err
		}
	}
	var peer *peerInstall
	if usePeer {
		b.logf("checking the PostGraphile peer in %s", o.PeerDir)
		if peer, err = ensurePeer(ctx, o.PeerDir, tmp, o.PeerInstall); err != nil {
			return err
		}
		b.rep.Machine.Node = peer.NodeVersion
	} else if !o.Peer {
		b.note("run with -peer=false: Socrates alone, no ratios")
	}

	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	b.logf("building Socrates")
	bin, err := buildSocrates(ctx, root, tmp)
	if err != nil {
		return err
	}

	if needPG {
		if err := b.runPostgres(ctx, admin, peer, bin, tmp); err != nil {
			return err
		}
	}
	if o.wants("sqlite") {
		if err := b.runSQLite(ctx, bin, tmp); err != nil {
			return err
		}
	}
	return nil
}

// runPostgres creates and seeds the bench database and runs every
// PostgreSQL part.
func (b *bench) runPostgres(ctx context.Context, admin *pgAdmin, peer *peerInstall, bin, tmp string) error {
	o := b.opts
	dbName, err := admin.CreateDatabase(ctx)
	if err != nil {
		return err
	}
	b.onCleanup(func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin.DropDatabase(dctx, dbName); err != nil {
			b.logf("%v", err)
		}
	})
	dbURL := admin.DatabaseURL(dbName, "")
	b.logf("seeding database %s", dbName)
	seeded, err := seedURL(ctx, dbURL)
	if err != nil {
		return err
	}
	b.rep.Seed = seeded
	b.logf("seeded %d rows in %s", seeded.Rows, seeded.Took.Round(time.Millisecond))

	soc, err := startSocrates(ctx, bin, tmp, "Socrates", dbURL)
	if err != nil {
		return err
	}
	b.onCleanup(soc.Stop)
	var pgl *server
	if peer != nil {
		if pgl, err = startPeer(ctx, peer, tmp, "PostGraphile", dbURL, peerPoolSize); err != nil {
			return err
		}
		b.onCleanup(pgl.Stop)
	}
	meter := &pgMeter{admin: admin, db: dbName}
	if !admin.localBackends(ctx) {
		meter = nil
		b.note("PostgreSQL runs on another machine: its CPU time is not measured")
	}
	workloads, err := readWorkloads(seeded.BenchUserID)
	if err != nil {
		return err
	}
	if pgl != nil {
		for _, w := range workloads {
			n, err := verifySameRows(ctx, soc, pgl, w, seeded)
			if err != nil {
				return err
			}
			b.logf("%s: both servers return the same %d rows in the same order", w.Label, n)
		}
	}
	for _, w := range workloads {
		if !o.wants(w.Key) {
			continue
		}
		for _, k := range o.Clients {
			row, err := b.sideBySide(ctx, w, k, seeded.BenchUserID, soc, pgl, meter)
			if err != nil {
				return err
			}
			b.rep.Reads = append(b.rep.Reads, row)
		}
	}

	// The counting instances run only now, so the proxy's cost never
	// touches the timed phases.
	var socCount *server
	var socProxy *Proxy
	if o.wants("statements") || o.wants("ask") {
		if socProxy, err = StartProxy(admin.ServerAddr()); err != nil {
			return err
		}
		b.onCleanup(func() { _ = socProxy.Close() })
		if socCount, err = startSocrates(ctx, bin, tmp, "Socrates via proxy", admin.DatabaseURL(dbName, socProxy.Addr())); err != nil {
			return err
		}
		b.onCleanup(socCount.Stop)
	}
	if o.wants("statements") {
		if err := b.countReads(ctx, admin, peer, tmp, dbName, workloads, seeded.BenchUserID, socCount, socProxy); err != nil {
			return err
		}
	}
	if pgl != nil {
		pgl.Stop()
	}
	if o.wants("ask") {
		if err := b.askPhase(ctx, soc, socCount, socProxy, seeded, meter); err != nil {
			return err
		}
	}
	if socCount != nil {
		socCount.Stop()
		_ = socProxy.Close()
	}
	if o.wants("fanout") {
		b.logf("fan-out: subscribing %d clients", o.Subscribers)
		res, err := runFanout(ctx, soc, seeded.Fanout, o.Subscribers, o.FanoutRounds, 300*time.Millisecond)
		if err != nil {
			return err
		}
		b.rep.Fanout = &res
		b.logf("fan-out: received %d of %d events", res.Received, res.Expected)
	}
	if o.wants("hostile") {
		docs, err := b.hostileSource()()
		if err != nil {
			return err
		}
		b.logf("hostile documents: timing %d", len(docs))
		if b.rep.Hostile, err = runHostile(ctx, soc, seeded.BenchUserID, docs, o.HostileRepeat); err != nil {
			return err
		}
	}
	return nil
}

// peerPoolSize gives PostGraphile the pool size Socrates uses by default
// on PostgreSQL (20).
const peerPoolSize = 20

// seedURL opens a database, migrates and seeds it.
func seedURL(ctx context.Context, dbURL string) (*Seeded, error) {
	db, err := database.Open(ctx, dbURL, database.Pool{MaxOpen: 4})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return migrateAndSeed(ctx, db)
}

// hostileSource picks the documents of the hostile phase: those of
// -hostile-dir, or the samples and, for each hostile shape, the most
// expensive document the server's default limits accept.
func (b *bench) hostileSource() DocumentSource {
	if b.opts.HostileDir != "" {
		return documentsFromDir(b.opts.HostileDir)
	}
	return func() ([]Document, error) {
		docs, err := sampleHostileDocuments()
		if err != nil {
			return nil, err
		}
		cfg, err := config.Load(nil, func(string) string { return "" }, io.Discard)
		if err != nil {
			return nil, fmt.Errorf("default configuration: %w", err)
		}
		for _, h := range cfg.QueryLimits().MostExpensive(int(cfg.MaxBodyBytes)) {
			docs = append(docs, Document{Name: fmt.Sprintf("largest within the document limits: %s (%d)", h.Shape, h.Size), Query: h.Query})
		}
		return docs, nil
	}
}

// sideBySide runs the rounds of one read at one concurrency, alternating
// which server goes first.
func (b *bench) sideBySide(ctx context.Context, w readLoad, clients int, userID int64, soc, pgl *server, meter *pgMeter) (sideBySide, error) {
	row := sideBySide{Workload: w.Label, Clients: clients}
	for r := range b.opts.Rounds {
		type turn struct {
			srv  *server
			body []byte
			out  *[]phaseResult
		}
		turns := []turn{{soc, w.Socrates, &row.Socrates}}
		if pgl != nil {
			turns = append(turns, turn{pgl, w.Peer, &row.Peer})
			if r%2 == 1 {
				slices.Reverse(turns)
			}
		}
		for _, t := range turns {
			res, err := measurePhase(ctx, t.srv, phaseSpec{Body: t.body, UserID: userID, Clients: clients,
				Warmup: b.opts.Warmup, Duration: b.opts.Duration}, meter)
			if err != nil {
				return row, fmt.Errorf("%s, %d clients, %s: %w", w.Label, clients, t.srv.Name, err)
			}
			if err := b.checkFailures(t.srv.Name, w.Label, res.Requests, res.Failures, res.FirstFailure); err != nil {
				return row, err
			}
			*t.out = append(*t.out, res)
			b.logf("%s, %d clients, round %d/%d, %s: %.1f req/s, p50 %.1f ms, CPU %.2f ms/req",
				w.Label, clients, r+1, b.opts.Rounds, t.srv.Name, res.RPS, res.P50, res.CPUPerReq)
		}
	}
	return row, nil
}

// checkFailures notes failed requests and stops the run when more than 1%
// failed, since the figures would then compare errors.
func (b *bench) checkFailures(server, what string, requests, failures int, first string) error {
	if failures == 0 {
		return nil
	}
	if failures*100 > requests {
		return fmt.Errorf("%s: %d of %d requests to %s failed; first: %s", what, failures, requests, server, first)
	}
	b.note("%s on %s: %d of %d requests failed (first: %s)", what, server, failures, requests, first)
	return nil
}

// countReads counts the statements of each read on both servers through
// their own proxies.
func (b *bench) countReads(ctx context.Context, admin *pgAdmin, peer *peerInstall, tmp, dbName string, workloads []readLoad, userID int64, socCount *server, socProxy *Proxy) error {
	o := b.opts
	type counted struct {
		srv   *server
		proxy *Proxy
		body  func(readLoad) []byte
	}
	targets := []counted{{socCount, socProxy, func(w readLoad) []byte { return w.Socrates }}}
	if peer != nil {
		proxy, err := StartProxy(admin.ServerAddr())
		if err != nil {
			return err
		}
		defer proxy.Close()
		pglCount, err := startPeer(ctx, peer, tmp, "PostGraphile via proxy", admin.DatabaseURL(dbName, proxy.Addr()), peerPoolSize)
		if err != nil {
			return err
		}
		defer pglCount.Stop()
		targets = append(targets, counted{pglCount, proxy, func(w readLoad) []byte { return w.Peer }})
	}
	for _, w := range workloads {
		for _, t := range targets {
			one, err := countStatements(ctx, t.srv, t.proxy, countSpec{Body: t.body(w), UserID: userID, Clients: 1, Requests: o.CountRequests})
			if err != nil {
				return err
			}
			many, err := countStatements(ctx, t.srv, t.proxy, countSpec{Body: t.body(w), UserID: userID, Clients: o.maxClients(), Duration: o.CountDuration})
			if err != nil {
				return err
			}
			name := strings.TrimSuffix(t.srv.Name, " via proxy")
			b.rep.Counts = append(b.rep.Counts, countRow{Workload: w.Label, Server: name, One: one, Many: many})
			b.logf("%s on %s: %.2f statements/request at 1 client, %.2f at %d", w.Label, name,
				one.StatementsPerRequest(), many.StatementsPerRequest(), o.maxClients())
		}
	}
	return nil
}

// askPhase runs ask-and-answer on Socrates, then counts its statements
// through the proxy instance.
func (b *bench) askPhase(ctx context.Context, soc, socCount *server, proxy *Proxy, seeded *Seeded, meter *pgMeter) error {
	o := b.opts
	b.logf("ask and answer: %d users for %s", len(seeded.AskUsers), o.Duration)
	if _, err := runAskAnswer(ctx, soc, seeded.AskUsers, 0, 1); err != nil {
		return err
	}
	pg0, err := meter.snapshot(ctx)
	if err != nil {
		return err
	}
	cpu0, err := processCPU(soc.Pid())
	if err != nil {
		return err
	}
	res, err := runAskAnswer(ctx, soc, seeded.AskUsers, o.Duration, 0)
	if err != nil {
		return err
	}
	cpu1, err := processCPU(soc.Pid())
	if err != nil {
		return err
	}
	pg1, err := meter.snapshot(ctx)
	if err != nil {
		return err
	}
	sum := &askSummary{Run: res, CPUPerRound: nanDiv(ms(cpu1-cpu0), res.Rounds), PGCPUPerRound: nanDiv(ms(backendCPUDelta(pg0, pg1)), res.Rounds)}
	if meter == nil {
		sum.PGCPUPerRound = nanDiv(0, 0)
	}
	b.logf("ask and answer: %.1f answers/s", res.AnswersPerSecond())

	count := func(users []seededUser, dur time.Duration, rounds int) (countResult, error) {
		proxy.Tally.Reset()
		r, err := runAskAnswer(ctx, socCount, users, dur, rounds)
		if err != nil {
			return countResult{}, err
		}
		return countResult{Clients: len(users), Requests: r.Rounds, Counts: proxy.Tally.Snapshot()}, nil
	}
	if sum.CountOne, err = count(seeded.AskUsers[:1], 0, 20); err != nil {
		return err
	}
	if sum.CountMany, err = count(seeded.AskUsers, max(o.CountDuration/2, 2*time.Second), 0); err != nil {
		return err
	}
	b.rep.Ask = sum
	return nil
}

// nanDiv divides, giving NaN for a zero count.
func nanDiv(x float64, n int) float64 {
	if n == 0 {
		return ratio(0, 0)
	}
	return x / float64(n)
}

// runSQLite seeds an SQLite file and measures the reads on Socrates alone.
func (b *bench) runSQLite(ctx context.Context, bin, tmp string) error {
	dbURL := "sqlite://" + filepath.ToSlash(filepath.Join(tmp, "bench.db"))
	b.logf("SQLite: seeding %s", dbURL)
	seeded, err := seedURL(ctx, dbURL)
	if err != nil {
		return err
	}
	soc, err := startSocrates(ctx, bin, tmp, "Socrates on SQLite", dbURL)
	if err != nil {
		return err
	}
	b.onCleanup(soc.Stop)
	defer soc.Stop()
	workloads, err := readWorkloads(seeded.BenchUserID)
	if err != nil {
		return err
	}
	if _, err := verifyOrder(ctx, soc, workloads[0], seeded); err != nil {
		return err
	}
	for _, w := range workloads {
		for _, k := range b.opts.Clients {
			row, err := b.sideBySide(ctx, w, k, seeded.BenchUserID, soc, nil, nil)
			if err != nil {
				return err
			}
			b.rep.SQLite = append(b.rep.SQLite, row)
		}
	}
	b.note("SQLite: Socrates alone (PostGraphile does not serve SQLite), same seed in a temp file, WAL, default pool of 8")
	return nil
}
