package smart

import (
	"errors"
	"strings"
	"testing"
)

func TestCallbackError(t *testing.T) {
	cases := []struct {
		name       string
		cb         Callback
		code, desc string
		denied     bool
	}{
		{name: "no error", cb: Callback{Code: "c", State: "s"}},
		{name: "access denied", cb: Callback{Error: "access_denied", ErrorDescription: "User denied"},
			code: "access_denied", desc: "User denied", denied: true},
		{name: "swapped", cb: Callback{Error: "403", ErrorDescription: "invalid_request"},
			code: "invalid_request", desc: "403"},
		{name: "description only", cb: Callback{ErrorDescription: "Practice not enabled"},
			desc: "Practice not enabled"},
		{name: "control characters", cb: Callback{Error: "server_error", ErrorDescription: "a\nb\x00c"},
			code: "server_error", desc: "a b c"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CallbackError(tc.cb)
			if tc.code == "" && tc.desc == "" {
				if err != nil {
					t.Fatalf("CallbackError = %v, want nil", err)
				}
				return
			}
			var oe *OAuthError
			if !errors.As(err, &oe) {
				t.Fatalf("CallbackError = %v, want *OAuthError", err)
			}
			if oe.Code != tc.code || oe.Description != tc.desc || oe.Status != 0 {
				t.Errorf("OAuthError = %+v, want code %q desc %q", *oe, tc.code, tc.desc)
			}
			if errors.Is(err, ErrAccessDenied) != tc.denied {
				t.Errorf("errors.Is(ErrAccessDenied) = %v, want %v", !tc.denied, tc.denied)
			}
			if tc.desc != "" && !strings.Contains(err.Error(), tc.desc) {
				t.Errorf("message %q lacks the description", err)
			}
			if oe.Advice() == "" {
				t.Error("no advice")
			}
		})
	}
}

func TestErrorTextBounded(t *testing.T) {
	err := CallbackError(Callback{Error: "invalid_request", ErrorDescription: strings.Repeat("x", 5000)})
	var oe *OAuthError
	if !errors.As(err, &oe) || len([]rune(oe.Description)) > maxErrorText+1 {
		t.Errorf("description not bounded: %d runes", len([]rune(oe.Description)))
	}
}
