// Command healowsim runs the local healow simulator on its own, for manual
// testing and the demo: a demo practice with a generated patient, and
// optionally a practice of Synthea patients loaded from a folder.
//
//	go run ./backend/cmd/healowsim -demo -addr 127.0.0.1:8787 [-synthea DIR]
//
// It prints the directory and practice URLs, the logins, the registered
// client and the path of the CA certificate that the HTTPS listener uses.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"chartkeep/backend/simulator"
	"chartkeep/backend/simulator/fhirdata"
)

const (
	syntheaCode = "SYNTHEA"
	syntheaName = "Synthea Community Health Center"
)

type config struct {
	addr, tlsAddr, synthea, clientID, redirectURI, caOut string
	demo                                                 bool
	tokenTTL, latency                                    time.Duration
	rateLimit                                            int
	seed                                                 int64
}

func main() {
	cfg := parseFlags()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(cfg, log, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "healowsim:", err)
		os.Exit(1)
	}
}

func parseFlags() config {
	var c config
	flag.StringVar(&c.addr, "addr", "127.0.0.1:8787", "primary listen address (plain HTTP with -demo)")
	flag.StringVar(&c.tlsAddr, "tls-addr", "127.0.0.1:8788", "HTTPS listen address with -demo")
	flag.BoolVar(&c.demo, "demo", false,
		"serve plain HTTP on loopback and show logins on the login page")
	flag.StringVar(&c.synthea, "synthea", "",
		"folder of Synthea transaction bundles (*.json) to serve")
	flag.DurationVar(&c.tokenTTL, "token-ttl", simulator.DefaultTokenTTL, "access token lifetime")
	flag.DurationVar(&c.latency, "latency", 0, "delay added to every request")
	flag.IntVar(&c.rateLimit, "rate-limit", 0, "requests per minute per practice (0: 250, <0: off)")
	flag.StringVar(&c.clientID, "client-id", "chartkeep-local", "client id to register")
	flag.StringVar(&c.redirectURI, "redirect-uri", "",
		"redirect URI to register (default with -demo: http://127.0.0.1:53682/healow/callback)")
	flag.StringVar(&c.caOut, "ca-out", filepath.Join(os.TempDir(), "healowsim-ca.pem"),
		"where to write the CA certificate")
	flag.Int64Var(&c.seed, "seed", 1, "seed of the generated demo patient")
	flag.Parse()
	if c.redirectURI == "" && c.demo {
		c.redirectURI = "http://127.0.0.1:53682/healow/callback"
	}
	return c
}

func run(c config, log *slog.Logger, out io.Writer) error {
	sim, err := start(c, log)
	if err != nil {
		return err
	}
	defer sim.Close()
	describe(out, sim, c)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	return nil
}

// start builds, fills and starts the simulator and writes its CA
// certificate to c.caOut.
func start(c config, log *slog.Logger) (*simulator.Server, error) {
	sim, err := simulator.New(simulator.Options{
		Addr: c.addr, TLSAddr: c.tlsAddr, Demo: c.demo, TokenTTL: c.tokenTTL,
		Latency: c.latency, RateLimit: c.rateLimit, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	err = populate(sim, c, log)
	if err == nil {
		err = os.WriteFile(c.caOut, sim.CACertPEM(), 0o644)
	}
	if err == nil {
		err = sim.Start()
	}
	if err != nil {
		sim.Close()
		return nil, err
	}
	return sim, nil
}

func populate(sim *simulator.Server, c config, log *slog.Logger) error {
	if err := sim.AddDemoPractice(c.seed); err != nil {
		return err
	}
	if c.redirectURI != "" {
		if err := sim.RegisterClient(c.clientID, c.redirectURI, nil); err != nil {
			return err
		}
	}
	if c.synthea == "" {
		return nil
	}
	return loadSynthea(sim, c.synthea, log)
}

// loadSynthea adds every bundle in dir as a patient of one practice, with
// logins patient1, patient2, ... in file name order.
func loadSynthea(sim *simulator.Server, dir string, log *slog.Logger) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	if err := sim.AddPractice(syntheaCode, syntheaName, "Boston", "MA"); err != nil {
		return err
	}
	n := 0
	for _, f := range files {
		p, err := loadFile(f)
		if err != nil {
			log.Warn("skipping bundle", "file", filepath.Base(f), "err", err)
			continue
		}
		n++
		login, pass := fmt.Sprintf("patient%d", n), fmt.Sprintf("synthea-%d", n)
		if err := sim.AddPatient(syntheaCode, p, login, pass); err != nil {
			return err
		}
	}
	if n == 0 {
		return errors.New("no loadable *.json bundle in " + dir)
	}
	return nil
}

func loadFile(path string) (*fhirdata.Patient, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return fhirdata.LoadTransactionBundle(f)
}

func describe(out io.Writer, sim *simulator.Server, c config) {
	fmt.Fprintf(out, "healow simulator at %s\n", sim.URL())
	if c.demo {
		fmt.Fprintf(out, "  HTTPS listener:   %s\n", sim.TLSURL())
	}
	fmt.Fprintf(out, "  directory:        %s\n", sim.DirectoryURL())
	fmt.Fprintf(out, "  CA certificate:   %s\n", c.caOut)
	if c.redirectURI != "" {
		fmt.Fprintf(out, "  client:           %s -> %s (any scope)\n", c.clientID, c.redirectURI)
	} else {
		fmt.Fprintln(out, "  client:           none registered (set -redirect-uri)")
	}
	for _, code := range []string{simulator.DemoPracticeCode, syntheaCode} {
		accts := sim.Accounts(code)
		if len(accts) == 0 {
			continue
		}
		fmt.Fprintf(out, "\npractice %s\n  base: %s\n", code, sim.Base(code))
		for _, a := range accts {
			fmt.Fprintf(out, "  login %-10s password %-16s %s (%s)\n",
				a.Login, a.Password, a.PatientName, a.PatientID)
		}
	}
}
