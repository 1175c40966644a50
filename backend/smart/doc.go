// Package smart signs a patient in to a healow practice with the SMART App
// Launch standalone patient launch, as a public native client (no secret).
//
// The flow is: Discover the practice's smart-configuration, Begin an attempt
// (PKCE S256 verifier, state and nonce, all fresh), keep the Attempt in a
// Pending store under its state, send the patient's system browser to the
// authorization URL, and on the redirect call Complete (or Take plus
// Exchange) to redeem the code once. Exchange checks the token response and
// the id_token and returns a Grant.
//
// The package does not store grants, refresh them (healow gives public apps
// no refresh token, HEALOW.md §1), or talk to the FHIR API.
package smart
