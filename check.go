package datafold

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
)

// Check turns a call through package api, such as
// Check(c.RemoveIntegrationWithResponse(ctx, 42)), into a response and one
// error, whichever way the call failed. The error is nil for a 2xx answer,
// and otherwise one of:
//
//   - an [*APIError], for every status outside 2xx (a 422 that is not
//     FastAPI's validation list included). The server said no, except that
//     after a 5xx the operation may have happened.
//   - an error wrapping [ErrMalformedBody]: a 2xx whose body is not the JSON
//     it declared, or broke off on every attempt. The operation happened.
//   - any other error: no complete answer ([ErrInsecureTransport], the
//     network, the context, [ErrResponseTooLarge]), after retries. Whether
//     the operation happened is unknown.
//
// resp comes back with an *APIError when it holds the answer (resp.JSON422
// holds FastAPI's list). Of the plain methods' *http.Response, a 2xx body is
// left for the caller; any other is read into the *APIError and closed.
func Check[R any](resp R, err error) (R, error) {
	if err != nil {
		return resp, callError(err)
	}
	return resp, CheckResponse(resp)
}

// callError gives a call's own error its place among Check's kinds: the
// generated decoder's JSON errors (valid JSON of the wrong shape, or any
// body from a client NewClient did not build) are malformed bodies.
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

// Response is what every response type in package api has in common: a
// status code and the raw body.
type Response interface {
	// StatusCode is the HTTP status, such as 404.
	StatusCode() int
	// GetBody is the response body as read, or nil.
	GetBody() []byte
}

// CheckResponse returns nil when r has a 2xx status, and an [*APIError]
// describing the failure otherwise. r is the response of any operation,
// present and future, from package api: a *XxxResponse of the
// ...WithResponse methods, or the *http.Response of the plain ones, whose
// body it reads and closes on failure. A nil r, or a value of another type,
// is an error rather than a panic.
func CheckResponse(r any) error {
	var code int
	var hr *http.Response
	var raw []byte
	switch r := r.(type) {
	case *http.Response:
		if r == nil {
			break
		}
		code, hr = r.StatusCode, r
		if code/100 == 2 || r.Body == nil {
			break
		}
		defer r.Body.Close()
		if b, ok := r.Body.(*body); ok {
			raw = b.data // whole or as far as it came, copied before Close
		} else {
			raw, _ = io.ReadAll(io.LimitReader(r.Body, maxErrorBody))
		}
	case Response:
		if v := reflect.ValueOf(r); v.Kind() == reflect.Pointer && v.IsNil() {
			break
		}
		if code = r.StatusCode(); code/100 != 2 {
			hr, raw = httpResponse(r), r.GetBody()
		}
	case nil:
	default:
		return fmt.Errorf("datafold: CheckResponse called with a %T, not a response of package api or an *http.Response", r)
	}
	if code/100 == 2 {
		return nil
	}
	if code == 0 && hr == nil {
		// StatusCode() says 0 without an HTTPResponse: nothing answered.
		return errors.New("datafold: CheckResponse called with a nil response, or one that holds no HTTP response")
	}
	return newAPIError(code, hr, raw)
}

// httpResponse finds the *http.Response every generated response type keeps
// in its HTTPResponse field, which no generated method returns.
func httpResponse(r Response) *http.Response {
	v := reflect.Indirect(reflect.ValueOf(r))
	if v.Kind() != reflect.Struct {
		return nil
	}
	f := v.FieldByName("HTTPResponse")
	if !f.IsValid() || !f.CanInterface() {
		return nil
	}
	hr, _ := f.Interface().(*http.Response)
	return hr
}
