// Package callback is the loopback HTTP listener that receives the
// authorization server's redirect. It is the only part of Chartkeep the
// internet can reach (through the user's tunnel, HEALOW.md §1), so it
// serves two paths, answers everything else with 404, bounds sizes and
// times, and never serves records, tokens or settings.
package callback

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"chartkeep/backend/smart"
)

// Paths served. Both accept GET and HEAD.
const (
	CallbackPath = "/healow/callback"
	PingPath     = "/healow/ping"
)

// Limits of the listener.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	idleTimeout       = 30 * time.Second
	maxHeaderBytes    = 16 << 10
	maxQueryBytes     = 8 << 10
	maxInFlight       = 4 // receivers running at once
	// DefaultReceiveTimeout bounds the Receiver (the token exchange).
	DefaultReceiveTimeout = 60 * time.Second
)

// ErrNotLoopback: the address to bind is not a loopback IP and port.
var ErrNotLoopback = errors.New("callback: address is not a loopback IP")

// Result is the redirect's query: code, state, error, error_description.
type Result = smart.Callback

// Outcome is what the browser page tells the patient. Title and Message are
// plain text; they are escaped when rendered.
type Outcome struct {
	OK             bool
	Title, Message string
}

// Receiver handles one redirect, synchronously (typically the token
// exchange), and says what the page should show. ctx carries the receive
// timeout. It may be called concurrently, with input from anyone on the
// internet.
type Receiver func(ctx context.Context, r smart.Callback) Outcome

// Server is the callback listener. Create it with New.
type Server struct {
	addr  string
	recv  Receiver
	nonce string
	// ReceiveTimeout bounds each Receiver call; DefaultReceiveTimeout if 0.
	// Set it before Start.
	ReceiveTimeout time.Duration

	slots         chan struct{}
	headerTimeout time.Duration // ReadHeaderTimeout; tests shorten it

	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
}

// New returns a server for addr ("127.0.0.1:53682"; port 0 picks one) that
// passes redirects to recv. It does not listen until Start, which refuses
// an address that is not a loopback IP.
func New(addr string, recv Receiver) *Server {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return &Server{
		addr:  addr,
		recv:  recv,
		nonce: hex.EncodeToString(b),
		slots: make(chan struct{}, maxInFlight),

		headerTimeout: readHeaderTimeout,
	}
}

// PingNonce is this run's random nonce, served at PingPath so the app can
// check that the public URL reaches this very process.
func (s *Server) PingNonce() string { return s.nonce }

// checkLoopback accepts "IP:port" where IP is a loopback address. Names,
// even "localhost", are refused: they may resolve elsewhere.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotLoopback, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: %q", ErrNotLoopback, addr)
	}
	return nil
}

// Start binds the address and serves in the background.
func (s *Server) Start() error {
	if err := checkLoopback(s.addr); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("callback: already started")
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("callback: listen on %s: %w", s.addr, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: s.headerTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      s.receiveTimeout() + 10*time.Second,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelDebug),
	}
	srv := s.srv
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("callback: listener stopped", "error", err)
		}
	}()
	slog.Info("callback: listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the bound address after Start (with the real port when 0 was
// asked for), or the requested one before.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.addr
}

// Close stops the listener, letting requests in progress finish for a few
// seconds. Closing a server never started is a no-op.
func (s *Server) Close() error {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return srv.Close()
	}
	return nil
}

func (s *Server) receiveTimeout() time.Duration {
	if s.ReceiveTimeout > 0 {
		return s.ReceiveTimeout
	}
	return DefaultReceiveTimeout
}
