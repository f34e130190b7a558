package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"socrates/internal/testenv"
)

// phaseKeys are the parts of a run -only can select, in running order.
func phaseKeys() []string {
	return []string{"n", "s", "statements", "sqlite", "ask", "fanout", "hostile"}
}

// options are the bench's flags.
type options struct {
	PGURL         string
	Peer          bool
	PeerDir       string
	PeerInstall   bool
	Rounds        int
	Duration      time.Duration
	Warmup        time.Duration
	Clients       []int
	Only          map[string]bool
	Subscribers   int
	FanoutRounds  int
	CountRequests int
	CountDuration time.Duration
	HostileDir    string
	HostileRepeat int
	Out           string
}

// wants reports whether a phase is selected.
func (o *options) wants(key string) bool { return o.Only[key] }

// maxClients is the highest concurrency of -clients.
func (o *options) maxClients() int { return slices.Max(o.Clients) }

// parseOptions reads the command line.
func parseOptions(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./internal/tools/bench [flags]\n\n"+
			"Measures Socrates side by side with PostGraphile 5 on the same PostgreSQL rows\n"+
			"and prints a markdown report on stdout (progress goes to stderr).\n\n")
		fs.PrintDefaults()
	}
	o := &options{}
	fs.StringVar(&o.PGURL, "pg-url", testenv.PostgresURL(), "PostgreSQL server (maintenance database) where the bench database is created (default from TEST_DATABASE_URL)")
	fs.BoolVar(&o.Peer, "peer", true, "run PostGraphile 5 side by side (needs npm for the first install)")
	fs.StringVar(&o.PeerDir, "peer-dir", defaultPeerDir(), "scratch folder holding the PostGraphile install (outside the repository)")
	fs.BoolVar(&o.PeerInstall, "peer-install", true, "install the peer into -peer-dir with peer/install.sh when it is missing")
	fs.IntVar(&o.Rounds, "rounds", 3, "rounds per read and concurrency, alternating the servers")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of each measured phase")
	fs.DurationVar(&o.Warmup, "warmup", 3*time.Second, "warm-up before each measured phase")
	clients := fs.String("clients", "8,32", "comma-separated client counts of the read phases")
	only := fs.String("only", strings.Join(phaseKeys(), ","), "comma-separated parts to run: "+strings.Join(phaseKeys(), ", "))
	fs.IntVar(&o.Subscribers, "subscribers", 1000, "websocket subscribers of the fan-out phase")
	fs.IntVar(&o.FanoutRounds, "fanout-rounds", 20, "ask-and-answer rounds the fan-out driver runs")
	fs.IntVar(&o.CountRequests, "count-requests", 50, "requests counted at 1 client in the statement-counting phase")
	fs.DurationVar(&o.CountDuration, "count-duration", 5*time.Second, "length of the statement-counting phase at the highest client count")
	fs.StringVar(&o.HostileDir, "hostile-dir", "", "folder of *.graphql documents for the hostile phase (default: built-in samples)")
	fs.IntVar(&o.HostileRepeat, "hostile-repeat", 5, "times each hostile document is sent")
	fs.StringVar(&o.Out, "out", "", "also write the report to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	var errs []error
	for _, c := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("-clients: %q is not a positive number", c))
			continue
		}
		o.Clients = append(o.Clients, n)
	}
	o.Only = map[string]bool{}
	for _, k := range strings.Split(*only, ",") {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			continue
		}
		if !slices.Contains(phaseKeys(), k) {
			errs = append(errs, fmt.Errorf("-only: unknown part %q (want %s)", k, strings.Join(phaseKeys(), ", ")))
		}
		o.Only[k] = true
	}
	if len(o.Only) == 0 {
		errs = append(errs, errors.New("-only selects nothing"))
	}
	if o.Rounds < 1 || o.Duration <= 0 || o.Warmup < 0 || o.Subscribers < 1 || o.FanoutRounds < 1 || o.CountRequests < 1 || o.CountDuration <= 0 || o.HostileRepeat < 1 {
		errs = append(errs, errors.New("-rounds, -duration, -subscribers, -fanout-rounds, -count-requests, -count-duration and -hostile-repeat must be positive"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return o, nil
}

// settings summarises the options for the report.
func (o *options) settings() string {
	return fmt.Sprintf("%d rounds x %s per server and concurrency (warm-up %s), clients %v, servers alternated; statements counted over %d requests at 1 client and %s at %d clients",
		o.Rounds, o.Duration, o.Warmup, o.Clients, o.CountRequests, o.CountDuration, o.maxClients())
}
