// Package datafold is a Go client for the Datafold REST API.
//
// The client itself is generated from Datafold's OpenAPI document into
// package [github.com/datafold/datafold-go/api]; this package adds what a
// generated client lacks: authentication, configuration from the
// environment, typed errors, retries and limits.
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
// # Authentication
//
// Datafold authenticates with the header "Authorization: Key <api-key>".
// [NewClient] takes the key from [WithAPIKey] or the DATAFOLD_API_KEY
// environment variable and rejects a missing or malformed one before any
// request. [APIKey] is the request editor that sets the header, usable on
// its own with [github.com/datafold/datafold-go/api.NewClientWithResponses].
// The key is sent only over https or to a loopback address (see
// [WithInsecureHTTP]), never follows a redirect to another host or onto
// plain http, and is never part of an error, a log line or a printed value.
//
// # Servers
//
// Datafold runs several deployments (app., eu., us. and dedicated hosts).
// The server comes from [WithServer], else DATAFOLD_HOST, else the first
// server in the OpenAPI document, https://app.datafold.com. A host without a
// scheme is taken as https.
//
// # Errors
//
// [Check] wraps any call of the generated client and returns its response
// with one error, whichever way the call failed:
//
//	resp, err := datafold.Check(c.RemoveIntegrationWithResponse(ctx, 42))
//
// The error is nil for a 2xx; an [*APIError] for any other status, with the
// status, method, path, FastAPI's "detail" and the request id, matched by
// [errors.Is] against [ErrNotFound], [ErrUnauthorized], [ErrValidation] and
// [ErrRateLimited]; [ErrMalformedBody] for a 2xx whose body is not the JSON
// it declared (the operation happened); and otherwise the network's,
// the context's or [ErrResponseTooLarge]. [CheckResponse] is the same check
// for a response you already hold.
//
// # Retries and limits
//
// Requests with idempotent methods are retried on connection errors, on a
// body that breaks off, and on 429, 502, 503 and 504, with exponential backoff and jitter, honouring
// Retry-After; see [RetryPolicy]. Response bodies are limited to
// [DefaultMaxResponseBytes] ([WithMaxResponseBytes]). Connections are
// pooled for concurrent use; [WithHTTPClient] brings your own client.
//
// # Testing
//
// Package [github.com/datafold/datafold-go/datafoldtest] is a fake Datafold
// API for tests, checking every request against the OpenAPI document.
package datafold
