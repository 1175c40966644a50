package app

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"chartkeep/backend/callback"
	"chartkeep/backend/directory"
	"chartkeep/backend/smart"
)

// loginCtx is what a failure message may name: nothing in it is secret.
type loginCtx struct {
	clientID, redirectURI, base string
	now                         time.Time
}

// loginErrorMessage turns a failure of a login that reached healow into
// words that say what happened and what to do next.
func loginErrorMessage(err error, lc loginCtx) string {
	var oe *smart.OAuthError
	var app *Error
	switch {
	case errors.As(err, &app):
		return app.Message
	case errors.Is(err, smart.ErrNotPatient):
		return "You logged in with a healow account that is not a patient's own: healow " +
			"names a related person (a family or caregiver proxy account), not a patient. " +
			"Chartkeep will not guess whose records to download. Log in with the patient's " +
			"own healow account, or ask the practice for one."
	case errors.Is(err, smart.ErrNoPatient):
		return "healow finished the login but did not say whose records it opened, so " +
			"Chartkeep downloaded nothing. Click Try again; if it happens again, ask the " +
			"practice to check your healow patient portal account."
	case errors.Is(err, smart.ErrIDToken):
		return "healow's proof of who logged in could not be verified, so Chartkeep stopped. " +
			"Check that this computer's date and time are right, then click Try again."
	case errors.Is(err, smart.ErrTokenType):
		return "healow answered with a kind of access Chartkeep does not use. Click Try " +
			"again later; if it keeps happening, the practice's healow service may be changing."
	case errors.As(err, &oe):
		return oauthMessage(oe, lc)
	}
	if m := networkMessage(err, hostOf(lc.base)); m != "" {
		return m
	}
	return "The login could not be completed: " + errMessage(err) + " Click Try again."
}

// oauthMessage explains an OAuth error from the redirect or the token
// endpoint. Code and description were put back in place by smart when
// healow swapped them ("error":"403", HEALOW.md §1).
func oauthMessage(oe *smart.OAuthError, lc loginCtx) string {
	desc := strings.ToLower(oe.Description)
	said := ""
	if oe.Description != "" {
		said = " (healow said: " + oe.Description + ")"
	}
	switch {
	case oe.Status == 429:
		return rateLimitMessage(lc.now)
	case oe.Code == "access_denied":
		return "You did not allow Chartkeep to read your records, so nothing was downloaded. " +
			"Click Try again and choose Allow on healow's page. If you did allow it, the " +
			"practice may not have switched on patient access: ask them to enable healow " +
			"FHIR access for patients."
	case oe.Code == "invalid_client" || oe.Code == "unauthorized_client":
		return "healow does not recognise the client ID " + quote(lc.clientID) + said + ". " +
			"Copy the client ID of your app on the healow developer portal " +
			"(connect4.healow.com) into Settings, then click Try again."
	case strings.Contains(desc, "redirect"):
		return "healow says the redirect URL does not match your app registration" + said +
			". On the healow developer portal, set the redirect URL to exactly " +
			lc.redirectURI + " (or change the public URL in Settings to match), then click " +
			"Try again."
	case oe.Code == "invalid_scope" || strings.Contains(desc, "scope"):
		return "healow refused the permissions Chartkeep asks for" + said + ". On the " +
			"healow developer portal, select every patient FHIR scope for your app and " +
			"keep OpenID Connect on, then click Try again."
	case oe.Code == "invalid_grant":
		return "healow did not accept the login code" + said + "; it may have expired. " +
			"Click Try again to log in once more."
	case oe.Code == "invalid_request":
		return "healow refused the login request" + said + ". Check the client ID and the " +
			"public URL in Settings against your app on the healow developer portal, then " +
			"click Try again."
	case oe.Code == "server_error" || oe.Code == "temporarily_unavailable":
		return "healow had a problem finishing the login" + said + ". Wait a few minutes, " +
			"then click Try again."
	}
	return "healow refused the login" + said + ". Click Try again; if it keeps failing, " +
		"check your app registration on the healow developer portal."
}

func quote(s string) string {
	if s == "" {
		return "(none set)"
	}
	return "\u201c" + s + "\u201d"
}

// rateLimitMessage: healow blocks a practice until the wall-clock minute
// ends and sends no Retry-After (HEALOW.md §1).
func rateLimitMessage(now time.Time) string {
	until := now.Truncate(time.Minute).Add(time.Minute)
	return fmt.Sprintf("healow's limit of 250 requests a minute for this practice was "+
		"reached, and healow blocks it until the minute ends. Wait until %s (%d seconds), "+
		"then click Try again.", until.Local().Format("3:04:05 PM"),
		int(until.Sub(now).Round(time.Second)/time.Second))
}

// networkMessage explains a transport failure, or returns "" when err is
// not one.
func networkMessage(err error, host string) string {
	if host == "" {
		host = "healow's server"
	}
	switch classifyNet(err) {
	case netTLS:
		return "Chartkeep could not make a secure connection to " + host + ": its " +
			"certificate is not trusted by this computer, so nothing was sent. On a work or " +
			"school network, or with antivirus that inspects https, try another network; " +
			"check that the computer's date and time are right. Then click Try again."
	case netTimeout:
		return host + " did not answer in time. Check this computer's internet connection, " +
			"then click Try again."
	case netDNS, netRefused, netOther:
		return "Chartkeep could not reach " + host + ". Check this computer's internet " +
			"connection, then click Try again in a moment."
	}
	return ""
}

// beginError explains why a login could not even start: the practice's
// SMART configuration could not be read.
func beginError(err error, p directory.Practice, now time.Time) error {
	name := p.Name
	if name == "" {
		name = "This practice"
	}
	switch {
	case errors.Is(err, smart.ErrBadClient):
		return newError(CodeNeedsSetup, "Check the client ID and public URL in Settings.", err)
	case errors.Is(err, smart.ErrNotActivated):
		return newError(CodeLoginFailed, name+" has not switched on healow's patient access: "+
			"its records server has no login for apps. Ask the practice to enable healow FHIR "+
			"access for patients, then try again.", err)
	case errors.Is(err, smart.ErrRateLimited):
		return newError(CodeRateLimited, rateLimitMessage(now), err)
	case errors.Is(err, smart.ErrBadConfiguration), errors.Is(err, smart.ErrBadBase):
		return newError(CodeLoginFailed, name+"'s healow login settings are not usable by "+
			"Chartkeep. Ask the practice to check that healow FHIR access for patients is "+
			"enabled.", err)
	}
	if m := networkMessage(err, hostOf(p.Base)); m != "" {
		return newError(CodeNetwork, m, err)
	}
	return newError(CodeNetwork, "Chartkeep could not start the login with "+name+". Check "+
		"your internet connection and try again.", err)
}

// waitingMessage goes with the "waiting" status. Errors that healow shows
// at its authorize page (an unknown client, a redirect mismatch, a consent
// refused with HTTP 500) never come back to Chartkeep, so the patient is
// told what they mean in advance.
func waitingMessage(s Settings) string {
	return "Log in to healow in your browser, then come back here. If healow shows an error " +
		"page instead (for example \u201cRedirect URI mismatch\u201d or \u201cUnknown " +
		"application\u201d), your app registration on the healow developer portal must have " +
		"the redirect URL " + s.RedirectURI() + " and the client ID " + quote(s.ClientID) +
		" exactly."
}

// timeoutMessage is shown when the patient did not finish in time.
func timeoutMessage(ttl time.Duration) string {
	return "The login was not finished within " + humanDuration(ttl) + ", so Chartkeep " +
		"stopped waiting. If healow showed an error in your browser (for example after you " +
		"declined access, or a redirect URI mismatch), sort that out first. Click Try again " +
		"to start a new login."
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		if d == time.Minute {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", d/time.Minute)
	case d >= time.Second:
		return fmt.Sprintf("%d seconds", d/time.Second)
	}
	return d.String()
}

// staleCallback is the page for a redirect no login is waiting for. It
// changes nothing: the code is never redeemed.
func staleCallback(reason error) callback.Outcome {
	out := callback.Outcome{Title: "Chartkeep was not waiting for this login"}
	switch {
	case errors.Is(reason, smart.ErrReusedState):
		out.Title = "This login was already used"
		out.Message = "This login reply was already received, so it was ignored. If " +
			"Chartkeep does not show you as connected, click Connect there again."
	case errors.Is(reason, smart.ErrExpiredState):
		out.Title = "This login expired"
		out.Message = "Chartkeep stopped waiting for this login because it took too long. " +
			"Go back to Chartkeep and click Try again."
	case errors.Is(reason, smart.ErrCancelledState):
		out.Title = "This login was cancelled"
		out.Message = "You cancelled this login in Chartkeep. Go back to Chartkeep and click " +
			"Connect to start again."
	default:
		out.Message = "This login reply does not belong to a login started in this copy of " +
			"Chartkeep (it may be old, or Chartkeep was restarted). Go back to Chartkeep and " +
			"click Connect to start again."
	}
	return out
}
