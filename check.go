package datafold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Check turns a call through package api into a response and one error,
// whichever way the call failed:
//
//	resp, err := datafold.Check(c.RemoveIntegrationWithResponse(ctx, 42))
//	switch {
//	case err == nil:
//		// 2xx: resp.JSON200 and resp.Body hold the answer
//	case errors.Is(err, datafold.ErrNotFound):
//		// a 404: already gone
//	}
//
// The error is nil for a 2xx answer, and otherwise one of:
//
//   - an [*APIError] for every answer outside 2xx, whether the generated
//     type could hold it or not (a 422 that is not FastAPI's validation
//     list comes back from the call itself as an *APIError, and is returned
//     as it is). [errors.Is] matches [ErrNotFound], [ErrUnauthorized],
//     [ErrValidation] and [ErrRateLimited]; [errors.As] gives the status,
//     FastAPI's detail and the request id. The server answered, so the
//     operation did not happen, except for a 5xx, after which it may have.
//   - an error wrapping [ErrMalformedBody]: a 2xx whose body is not the JSON
//     it declared, such as an empty one, or broke off midway on every
//     attempt (an idempotent request is sent again when its body breaks
//     off, so a DELETE's last attempt may instead find it gone: a 404). The
//     server accepted the request, so the operation has happened.
//   - any other error: there was no complete answer. The request was not
//     sent ([ErrInsecureTransport]), or the network or the context's deadline
//     failed it ([*net/url.Error]; errors.Is(err, context.DeadlineExceeded)),
//     or its body exceeded the limit ([ErrResponseTooLarge]), or the body of
//     a non-2xx answer broke off. Retries have already run; whether the
//     operation happened is unknown.
//
// resp is returned with every error for which there is one: with an
// *APIError from a status the generated type holds (resp.JSON422 holds
// FastAPI's validation list), never with the others.
//
// Check works the same with the plain methods, which return the
// *http.Response: on a 2xx its body is left for the caller to read and
// close; on any other status Check reads it into the *APIError and closes
// it.
func Check[R any](resp R, err error) (R, error) {
	if err != nil {
		return resp, callError(err)
	}
	return resp, CheckResponse(resp)
}

// callError gives a call's own error its place among Check's kinds: the
// generated decoder's JSON errors, from a 2xx body too long for the
// transport to judge in full, are malformed bodies like the others.
func callError(err error) error {
	if errors.Is(err, ErrMalformedBody) {
		return err
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		return fmt.Errorf("%w: decoding the response: %w", ErrMalformedBody, err)
	}
	return err
}

// maxErrorBody bounds how much of a failed *http.Response's body
// [CheckResponse] reads, for a client made without [NewClient]'s limit.
const maxErrorBody = 1 << 20

// checkHTTP is [CheckResponse] for the plain methods' *http.Response.
func checkHTTP(hr *http.Response) error {
	if hr == nil {
		return errors.New("datafold: CheckResponse called with a nil response")
	}
	if hr.StatusCode >= 200 && hr.StatusCode < 300 {
		return nil
	}
	var raw []byte
	if hr.Body != nil {
		var buf bytes.Buffer
		_, err := buf.ReadFrom(io.LimitReader(hr.Body, maxErrorBody))
		_ = hr.Body.Close()
		// The transport already judged this body, as it does a 422 that
		// is not FastAPI's list: its verdict is the error.
		if apiErr, ok := errors.AsType[*APIError](err); ok {
			return apiErr
		}
		raw = buf.Bytes()
	}
	return newAPIError(hr.StatusCode, hr, raw)
}
