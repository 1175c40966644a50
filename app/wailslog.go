package app

import "log/slog"

// WailsLogger passes Wails' own warnings and errors to slog and drops its
// chatter, which at debug level includes binding calls.
type WailsLogger struct{ Log func() *slog.Logger }

func (w WailsLogger) Print(string)     {}
func (w WailsLogger) Trace(string)     {}
func (w WailsLogger) Debug(string)     {}
func (w WailsLogger) Info(string)      {}
func (w WailsLogger) Warning(m string) { w.Log().Warn("wails", "msg", m) }
func (w WailsLogger) Error(m string)   { w.Log().Error("wails", "msg", m) }
func (w WailsLogger) Fatal(m string)   { w.Log().Error("wails fatal", "msg", m) }
