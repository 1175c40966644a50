// Package e2e holds Chartkeep's end-to-end acceptance run. Its test, behind
// the e2e build tag, starts the healow simulator over HTTPS, a local HTTPS
// reverse proxy standing in for the user's tunnel, and the app's backend on
// the real OS keychain; drives headless Chromium through healow's login as
// the system browser; checks that every patient's records were stored
// exactly as served; and screenshots the real window under Xvfb.
//
// Run it with `make e2e`, which provides the D-Bus session, the unlocked
// keyring and the display it needs.
package e2e
