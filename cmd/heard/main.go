// Command heard runs Heard: the API, the PWA and, unless MONGODB_URI is set, the
// embedded database. Settings come from the environment (see README.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"heard"
	"heard/api"
	"heard/notify"
	"heard/pwa"
	"heard/service"
	"heard/store"
)

type config struct {
	Addr          string
	DataDir       string
	MongoURI      string
	Database      string
	TLSCert       string
	TLSKey        string
	BehindTLS     bool
	BodyLimit     int
	AuthRateLimit int
	// MaxInFlight bounds the API requests worked on at once (HEARD_MAX_IN_FLIGHT).
	MaxInFlight int
	// TrustedProxies come from HEARD_TRUSTED_PROXIES, comma-separated.
	TrustedProxies []string
	LogLevel       string
	Demo           bool
	// EmbeddedFullSync makes the embedded database wait for the disk at every write.
	EmbeddedFullSync bool
	// AreaName and AdminEmail name the area and administrator made on a first start.
	AreaName   string
	AdminEmail string
	// Web Push: the contact push services may use, the token that opens
	// /metrics to other machines, and (development only) loopback endpoints.
	VAPIDSubject      string
	MetricsToken      string
	PushAllowLoopback bool
	// PprofAddr, when set, serves Go's profiles on this loopback address.
	PprofAddr string
	// Instance names this process in the leases on background work.
	Instance string
}

// defaultVAPIDSubject is the Web Push contact when none is set; set
// HEARD_VAPID_SUBJECT to a monitored address in production.
const defaultVAPIDSubject = "heard@localhost"

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func loadConfig(args []string) (config, error) {
	c := config{
		Addr: env("HEARD_ADDR", ":8080"), DataDir: env("HEARD_DATA_DIR", "data"), MongoURI: os.Getenv("MONGODB_URI"),
		Database: env("HEARD_DB_NAME", "heard"), TLSCert: os.Getenv("HEARD_TLS_CERT"), TLSKey: os.Getenv("HEARD_TLS_KEY"),
		BehindTLS: env("HEARD_BEHIND_TLS_PROXY", "") == "true", BodyLimit: envInt("HEARD_BODY_LIMIT", api.DefaultBodyLimit),
		AuthRateLimit: envInt("HEARD_AUTH_RATE_LIMIT", 30), MaxInFlight: envInt("HEARD_MAX_IN_FLIGHT", api.DefaultMaxInFlight()), LogLevel: env("HEARD_LOG_LEVEL", "info"), Demo: env("HEARD_DEMO", "") == "true",
		VAPIDSubject: env("HEARD_VAPID_SUBJECT", defaultVAPIDSubject), MetricsToken: os.Getenv("HEARD_METRICS_TOKEN"),
		PushAllowLoopback: env("HEARD_PUSH_ALLOW_LOOPBACK", "") == "true",
		EmbeddedFullSync:  env("HEARD_EMBEDDED_FULL_SYNC", "") == "true", PprofAddr: os.Getenv("HEARD_PPROF_ADDR"),
		Instance: os.Getenv("HEARD_INSTANCE"),
		AreaName: env("HEARD_AREA_NAME", "My area"), AdminEmail: env("HEARD_ADMIN_EMAIL", "admin@heard.local"),
	}
	for _, p := range strings.Split(os.Getenv("HEARD_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	fs := flag.NewFlagSet("heard", flag.ContinueOnError)
	fs.BoolVar(&c.Demo, "demo", c.Demo, "seed a demo area with every role and print how to sign in")
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return c, fmt.Errorf("set both HEARD_TLS_CERT and HEARD_TLS_KEY, or neither")
	}
	if c.PprofAddr != "" {
		if err := checkLoopbackAddr(c.PprofAddr); err != nil {
			return c, fmt.Errorf("HEARD_PPROF_ADDR: %w", err)
		}
	}
	return c, nil
}

func main() {
	collectGarbageLessOften()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "heard:", err)
		os.Exit(1)
	}
}

// gcPercent is how much the heap may grow between collections when GOGC is
// not set. Measured sending cards on the embedded database (heard-load
// -mode capacity -young-people 1, 60 s, 2 cores): with Go's 100, marking and
// sweeping took about a tenth of Heard's CPU and Heard answered 317 card
// sends a second; with 200, 355, its RSS peaking at 374 MB instead of 330.
const gcPercent = 200

// collectGarbageLessOften sets gcPercent unless GOGC says otherwise.
func collectGarbageLessOften() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// run serves Heard until ctx ends (SIGINT or SIGTERM), then stops gracefully.
func run(ctx context.Context, args []string) error {
	cfg, err := loadConfig(args)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("HEARD_LOG_LEVEL: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if cfg.PprofAddr != "" {
		if err := servePprof(ctx, cfg.PprofAddr, log); err != nil {
			return err
		}
	}

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	secrets, err := loadSecrets(cfg.DataDir)
	if err != nil {
		return err
	}

	var emb *store.Embedded
	if cfg.MongoURI == "" {
		// The embedded database is chatty (it logs every unsupported option as a warning); errors still show.
		dbLog := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
		emb, err = store.StartEmbeddedWith(cfg.DataDir+"/db", dbLog, store.EmbeddedOptions{FullSync: cfg.EmbeddedFullSync})
		if err != nil {
			return err
		}
		defer emb.Stop()
	}
	clock := heard.SystemClock{}
	var st *store.Store
	if emb != nil {
		st, err = store.OpenEmbedded(ctx, emb, cfg.Database, clock)
	} else {
		st, err = store.Open(ctx, cfg.MongoURI, cfg.Database, clock)
	}
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	if err := st.EnsureIndexes(ctx); err != nil {
		return err
	}
	// Anonymous answers stored by earlier versions lose what linked them to a
	// young person (done once; later starts read only its mark).
	if _, err := st.ForgetFeedbackLinks(ctx); err != nil {
		return err
	}
	// Escalated cards move from the area's list to each duty worker's and
	// manager's own (earlier versions kept one list per area).
	if _, err := st.MoveEscalatedLists(ctx); err != nil {
		return err
	}
	tokens, err := api.NewTokens(secrets.TokenKey, clock)
	if err != nil {
		return err
	}
	notifier, err := notify.New(notify.Config{Store: st, Log: log, Clock: clock, VAPIDPublicKey: secrets.VAPIDPublicKey,
		VAPIDPrivateKey: secrets.VAPIDPrivateKey, Subject: cfg.VAPIDSubject, MetricsToken: cfg.MetricsToken,
		AllowLoopbackEndpoints: cfg.PushAllowLoopback, Instance: instanceName(cfg.Instance, emb != nil), SendAtOnce: 32})
	if err != nil {
		return err
	}
	if cfg.VAPIDSubject == defaultVAPIDSubject {
		log.Warn("set HEARD_VAPID_SUBJECT to a real contact address (or https URL): some push services refuse a localhost contact")
	}
	svc := service.New(service.Config{Store: st, Notifier: notifier, Escalator: notifier, Clock: clock, Log: log})
	srv := api.New(api.Config{Store: st, Tokens: tokens, Log: log, Clock: clock, PWA: pwa.FS(), Notifier: notifier, Escalator: notifier, Services: svc,
		TLS: cfg.TLSCert != "" || cfg.BehindTLS, BodyLimit: cfg.BodyLimit, AuthRateLimit: cfg.AuthRateLimit, TrustedProxies: cfg.TrustedProxies,
		MaxInFlight: cfg.MaxInFlight})

	// The dispatcher and escalation timers run until Heard stops; on the way
	// out they finish the sends in hand (the database is closed after them).
	pushCtx, stopPush := context.WithCancel(ctx)
	pushDone := make(chan struct{})
	go func() { defer close(pushDone); notifier.Run(pushCtx) }()
	defer func() { stopPush(); <-pushDone }()

	// Workflows a failed request or a stopped process left part done are
	// finished once their lease runs out.
	go svc.Run(pushCtx, 5*time.Second)

	go sweep(ctx, st, svc, log)

	errs := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errs <- srv.App().ListenTLS(cfg.Addr, cfg.TLSCert, cfg.TLSKey)
			return
		}
		errs <- srv.App().Listen(cfg.Addr)
	}()
	log.Info("Heard is running", "addr", cfg.Addr, "embeddedDatabase", cfg.MongoURI == "")
	printWelcome(cfg)
	if !cfg.Demo {
		first, made, err := st.SetUpFirstArea(ctx, cfg.AreaName, cfg.AdminEmail)
		if err != nil {
			return fmt.Errorf("first start: %w", err)
		}
		if made {
			fmt.Printf("\nThis is Heard's first start: area %q and its administrator are ready.\n", first.AreaName)
			fmt.Printf("Sign in at %s as %s with the password %s\n", baseURL(cfg), first.Email, first.Password)
			fmt.Println("It is shown only now: change it in Settings after signing in, then add teams and staff.")
		}
	}
	if cfg.Demo {
		accounts, err := st.SeedDemo(ctx)
		if err == nil {
			err = st.SeedDemoHistory(ctx)
		}
		if err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
		printDemo(cfg, accounts)
	}

	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return srv.App().ShutdownWithContext(shutdownCtx)
}

// instanceName is the name this process takes leases under. On the embedded
// database one Heard runs per data folder, so the host name is unique and
// stays the same across restarts: a restarted Heard takes back at once the
// work its previous process held. With MongoDB several may share a host, so
// notify makes a random name unless HEARD_INSTANCE gives a stable one.
func instanceName(setting string, embedded bool) string {
	if setting == "" && embedded {
		setting, _ = os.Hostname()
	}
	return setting
}

// sweep deletes expired codes, tokens and counters every minute (the embedded
// database has no TTL indexes), and once an hour the records of young people
// past their area's retention period.
func sweep(ctx context.Context, st *store.Store, retention heard.RetentionService, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for minutes := 0; ; minutes++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := st.Sweep(ctx); err != nil && ctx.Err() == nil {
				log.Warn("sweep failed", "err", err.Error())
			}
			if minutes%60 == 0 {
				if _, err := retention.SweepRetention(ctx); err != nil && ctx.Err() == nil {
					log.Warn("retention sweep failed", "err", err.Error())
				}
			}
		}
	}
}

func baseURL(cfg config) string {
	host, port, _ := strings.Cut(cfg.Addr, ":")
	if host == "" || host == "0.0.0.0" {
		host = "localhost"
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + host + ":" + port
}

func printWelcome(cfg config) {
	fmt.Printf("\nHeard is running at %s\n", baseURL(cfg))
	if !cfg.Demo {
		fmt.Println("(Start with --demo instead to try a demo area with every role.)")
	}
}

func printDemo(cfg config, accounts []store.DemoAccount) {
	fmt.Printf("\nDemo area \"Riverside (demo)\". Staff password for every account: %s\n\n", store.DemoPassword)
	for _, a := range accounts {
		if a.Role == heard.RoleYoungPerson {
			continue
		}
		fmt.Printf("  %-16s %-20s %s\n", a.Role, a.Name, a.Email)
	}
	fmt.Printf("\nYoung people join on a phone (or a second browser) at %s : tap \"I have a code\".\n", baseURL(cfg))
	fmt.Println("Each code works once, for 24 hours; restart with --demo for new ones.")
	for _, a := range accounts {
		if a.Role == heard.RoleYoungPerson {
			fmt.Printf("  %-6s join code %s\n", a.Name, a.JoinCode)
		}
	}
	fmt.Println()
}
