package simulator

import (
	"embed"
	"html/template"
	"net/http"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

type loginPage struct {
	Practice, Client, Session, Action, Error string
	ShowDemo                                 bool
	Demo                                     []Account
}

type consentPage struct {
	Practice, Client, Patient, Session, Action string
	Scopes                                     []string
}

type errorPage struct {
	Title, Message, Code string
}

// render writes an HTML page. The headers keep the pages out of frames
// and caches and forbid scripts; no page needs any.
func render(w http.ResponseWriter, status int, name string, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy",
		"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, data)
}

func renderError(w http.ResponseWriter, status int, title, message, code string) {
	render(w, status, "error.html", errorPage{Title: title, Message: message, Code: code})
}
