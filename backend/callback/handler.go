package callback

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// pageStyle is the page's only style. The CSP allows exactly this text by
// its hash, and no script at all.
const pageStyle = `body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;` +
	`padding:0 1em;line-height:1.5;color:#222}h1{font-size:1.4em}` +
	`.ok h1{color:#1a6b2f}.fail h1{color:#a12622}`

var csp = "default-src 'none'; style-src 'sha256-" + styleHash() + "'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func styleHash() string {
	sum := sha256.Sum256([]byte(pageStyle))
	return base64.StdEncoding.EncodeToString(sum[:])
}

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chartkeep: {{.Title}}</title>
<style>{{.Style}}</style>
</head>
<body class="{{if .OK}}ok{{else}}fail{{end}}">
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
<p>You can close this tab and return to Chartkeep.</p>
</body>
</html>
`))

// pageData fills the template; Style is trusted constant CSS.
type pageData struct {
	OK             bool
	Title, Message string
	Style          template.CSS
}

// securityHeaders go on every answer.
func securityHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", csp)
}

// serveHTTP routes the two paths. The query string is never logged: it
// holds the authorization code.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	securityHeaders(w.Header())
	if r.ContentLength != 0 {
		// No path takes a body. Closing the connection keeps net/http from
		// reading up to 256 KB of it before answering, which a client
		// trickling the body would stretch to the full read timeout.
		w.Header().Set("Connection", "close")
	}
	status := s.route(w, r)
	slog.Debug("callback: request", "method", r.Method, "path", loggedPath(r.URL.Path),
		"status", status, "took", time.Since(start))
}

// loggedPath keeps unknown paths out of the log beyond a bounded prefix.
func loggedPath(p string) string {
	if p == CallbackPath || p == PingPath {
		return p
	}
	if len(p) > 40 {
		return p[:40] + "…"
	}
	return p
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) int {
	if r.URL.Path != CallbackPath && r.URL.Path != PingPath {
		return plain(w, http.StatusNotFound, "not found\n")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return plain(w, http.StatusMethodNotAllowed, "method not allowed\n")
	}
	if r.URL.Path == PingPath {
		return plain(w, http.StatusOK, "chartkeep "+s.nonce+"\n")
	}
	if r.Method == http.MethodHead {
		// A HEAD (a link preview, a tunnel health check) must not redeem
		// the code.
		return render(w, r, http.StatusOK, Outcome{OK: true, Title: "Chartkeep sign-in"})
	}
	return s.callback(w, r)
}

// plain writes a short text answer.
func plain(w http.ResponseWriter, status int, body string) int {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
	return status
}

// callback parses the redirect, runs the receiver and renders its outcome.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) int {
	cb, msg := parseQuery(r.URL.RawQuery)
	if msg != "" {
		return render(w, r, http.StatusBadRequest, Outcome{Title: "This link did not work", Message: msg})
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		return render(w, r, http.StatusServiceUnavailable, Outcome{Title: "Chartkeep is busy",
			Message: "Chartkeep is finishing another sign-in. Please wait a moment and reload this page."})
	}
	out := s.receive(r.Context(), cb)
	status := http.StatusOK
	if !out.OK {
		status = http.StatusBadRequest
	}
	return render(w, r, status, out)
}

// receive calls the receiver with a bounded context and survives a panic.
func (s *Server) receive(parent context.Context, cb Result) (out Outcome) {
	ctx, cancel := context.WithTimeout(parent, s.receiveTimeout())
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			slog.Error("callback: receiver panicked")
			out = Outcome{Title: "Sign-in failed",
				Message: "Chartkeep hit an internal error. Please try connecting again."}
		}
	}()
	if s.recv == nil {
		return Outcome{Title: "Sign-in failed", Message: "Chartkeep is not ready to finish a sign-in."}
	}
	return s.recv(ctx, cb)
}

// parseQuery reads code, state, error and error_description. It returns a
// message for the patient when the query is too long, malformed, repeats a
// parameter, or carries nothing at all.
func parseQuery(raw string) (Result, string) {
	const bad = "The address was malformed. Please start the connection again from Chartkeep."
	if len(raw) > maxQueryBytes {
		return Result{}, bad
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return Result{}, bad
	}
	var cb Result
	for name, dst := range map[string]*string{
		"code": &cb.Code, "state": &cb.State,
		"error": &cb.Error, "error_description": &cb.ErrorDescription,
	} {
		switch v := q[name]; len(v) {
		case 0:
		case 1:
			*dst = v[0]
		default:
			return Result{}, bad
		}
	}
	if cb.Code == "" && cb.State == "" && cb.Error == "" && cb.ErrorDescription == "" {
		return Result{}, "This address only finishes a sign-in started in Chartkeep. " +
			"To connect a practice, open Chartkeep and choose Connect."
	}
	return cb, ""
}

// render writes the HTML page for an outcome.
func render(w http.ResponseWriter, r *http.Request, status int, out Outcome) int {
	if out.Title == "" {
		out.Title = map[bool]string{true: "Signed in", false: "Sign-in failed"}[out.OK]
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, pageData{OK: out.OK, Title: oneLine(out.Title),
		Message: oneLine(out.Message), Style: template.CSS(pageStyle)})
	if err != nil {
		return plain(w, http.StatusInternalServerError, "internal error\n")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
	return status
}

// oneLine bounds text shown on the page.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 600 {
		s = string(r[:600]) + "…"
	}
	return s
}
