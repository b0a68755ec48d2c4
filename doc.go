// Package datafold is a Go client for the Datafold REST API.
//
// The client is generated from Datafold's OpenAPI document into package
// [github.com/datafold/datafold-go/api]; this package adds what a generated
// client lacks: authentication, configuration from the environment, typed
// errors, retries and limits.
//
//	c, err := datafold.NewClient() // DATAFOLD_API_KEY, DATAFOLD_HOST
//	if err != nil {
//		return err
//	}
//	resp, err := datafold.Check(c.RemoveIntegrationWithResponse(ctx, 42))
//	if errors.Is(err, datafold.ErrNotFound) {
//		// already gone
//	}
//
// [NewClient] takes the API key from [WithAPIKey] or DATAFOLD_API_KEY, and
// the server from [WithServer], DATAFOLD_HOST or the document's
// https://app.datafold.com. The key travels as "Authorization: Key
// <api-key>" ([APIKey] is that request editor, usable on its own), only over
// https or to a loopback address, and is never part of an error, a log line
// or a printed value.
//
// [Check] wraps any call of the generated client and returns its response
// with one error: an [*APIError] for a status outside 2xx, matched by
// [errors.Is] against [ErrNotFound], [ErrUnauthorized], [ErrValidation] and
// [ErrRateLimited]; [ErrMalformedBody] for a 2xx whose body is not the JSON
// it declared; otherwise the network's or the context's. [CheckResponse] is
// the same check for a response you already hold.
//
// [Do] calls an endpoint the OpenAPI document lacks, through the same
// client and with the same errors.
//
// Idempotent requests are retried on connection errors and on 429, 502, 503
// and 504, honouring Retry-After ([RetryPolicy]). Bodies are limited to
// [DefaultMaxResponseBytes]. Package
// [github.com/datafold/datafold-go/datafoldtest] is a fake Datafold API for
// tests, checking every request against the OpenAPI document.
package datafold
