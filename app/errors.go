package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Error is what a bound method returns to the window: a stable code the
// frontend can branch on and a message written for the patient.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	cause   error
}

// Error codes. They are only ever added to, never renamed, because the
// frontend branches on them.
const (
	CodeInvalidInput   = "invalid_input"
	CodeNotFound       = "not_found"
	CodeNeedsSetup     = "needs_setup"
	CodeNeedsReconnect = "needs_reconnect"
	CodeKeychain       = "keychain_unavailable"
	CodeNetwork        = "network"
	CodeLoginFailed    = "login_failed"
	CodeBusy           = "busy"
	CodeInternal       = "internal"
	// CodeRateLimited: healow's per-practice limit of 250 requests a minute
	// was reached; it lifts when the wall-clock minute ends (HEALOW.md §1).
	CodeRateLimited = "rate_limited"
	// CodeStaleConfirmation: a destructive action was confirmed for other
	// numbers than the current ones; the window must ask again.
	CodeStaleConfirmation = "stale_confirmation"
	// CodePracticeNotEnabled: the address answers but offers no valid
	// smart-configuration; the practice must enable healow patient access
	// (HEALOW.md §1).
	CodePracticeNotEnabled = "practice_not_enabled"
)

func (e *Error) Error() string { return e.Message }

// Unwrap gives the cause, which is kept for logs and tests but never sent to
// the window.
func (e *Error) Unwrap() error { return e.cause }

func newError(code, message string, cause error) *Error {
	return &Error{Code: code, Message: message, cause: cause}
}

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FormatError is the Wails ErrorFormatter: it turns every error a bound
// method returns into the JSON text {"code":…,"message":…}. It is text
// because Wails' JavaScript runtime passes only a string error through
// intact. Errors that are not *Error are internal; their text may name files
// or hosts, so the window gets a generic message and the detail stays in the
// log.
func FormatError(err error) any {
	b, _ := json.Marshal(formatError(err))
	return string(b)
}

func formatError(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return map[string]string{"code": e.Code, "message": e.Message}
	}
	if errors.Is(err, context.Canceled) {
		return map[string]string{"code": CodeBusy, "message": "The operation was cancelled."}
	}
	return map[string]string{
		"code":    CodeInternal,
		"message": "Something went wrong inside Chartkeep. Details are in the log file.",
	}
}
