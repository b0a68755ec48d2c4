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
//	resp, err := c.RemoveIntegrationWithResponse(ctx, 42)
//	if err != nil {
//		return err
//	}
//	if err := datafold.CheckResponse(resp); err != nil {
//		return err
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
// A call returns an error when there is no usable answer: the network
// failed, the context ended, the body was too large ([ErrResponseTooLarge])
// or a success did not carry the JSON it declared ([ErrMalformedBody]).
// An answer outside 2xx is a response; [CheckResponse] turns it into an
// [*APIError] carrying the status, method, path, FastAPI's "detail" and the
// request id, matched by [errors.Is] against [ErrNotFound],
// [ErrUnauthorized], [ErrValidation] and [ErrRateLimited]. A 422 that is not
// FastAPI's validation list cannot be decoded into the typed response and
// comes back as the call's error, the same [*APIError].
//
// # Retries and limits
//
// Requests with idempotent methods are retried on connection errors and on
// 429, 502, 503 and 504, with exponential backoff and jitter, honouring
// Retry-After; see [RetryPolicy]. Response bodies are limited to
// [DefaultMaxResponseBytes] ([WithMaxResponseBytes]). Connections are
// pooled for concurrent use; [WithHTTPClient] brings your own client.
//
// # Testing
//
// Package [github.com/datafold/datafold-go/datafoldtest] is a fake Datafold
// API for tests, checking every request against the OpenAPI document.
package datafold
