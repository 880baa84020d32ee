package csapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// RequestOption shapes one raw request sent by Do.
type RequestOption func(*requestConfig)

type requestConfig struct {
	body       []byte
	hasBody    bool
	header     http.Header
	omit       map[string]bool
	query      url.Values
	noAuth     bool
	timeout    time.Duration
	hasTimeout bool
	err        error
}

// Body sends b as the request body, byte for byte. Unless a Header option
// says otherwise, the Content-Type is application/json.
func Body(b []byte) RequestOption {
	return func(rc *requestConfig) { rc.body, rc.hasBody = b, true }
}

// JSONBody sends v encoded as JSON (without HTML escaping). A []byte or
// json.RawMessage is sent as is.
func JSONBody(v any) RequestOption {
	return func(rc *requestConfig) {
		b, err := encodeBody(v)
		if err != nil {
			rc.err = err
			return
		}
		rc.body, rc.hasBody = b, true
	}
}

// Header sets a request header, replacing what the client would send.
// An empty value sends no such header at all (not even Content-Type,
// Authorization or User-Agent).
func Header(name, value string) RequestOption {
	return func(rc *requestConfig) {
		name = http.CanonicalHeaderKey(name)
		if rc.header == nil {
			rc.header, rc.omit = http.Header{}, map[string]bool{}
		}
		if value == "" {
			rc.header.Del(name)
			rc.omit[name] = true
			return
		}
		delete(rc.omit, name)
		rc.header.Add(name, value)
	}
}

// Query adds query parameters; repeat a name for repeated parameters.
func Query(name string, values ...string) RequestOption {
	return func(rc *requestConfig) {
		if rc.query == nil {
			rc.query = url.Values{}
		}
		for _, v := range values {
			rc.query.Add(name, v)
		}
	}
}

// WithoutAuth sends the request without the client's access token.
func WithoutAuth() RequestOption {
	return func(rc *requestConfig) { rc.noAuth = true }
}

// Timeout bounds this request to d instead of the client's request timeout;
// zero leaves only the context as a bound.
func Timeout(d time.Duration) RequestOption {
	return func(rc *requestConfig) { rc.timeout, rc.hasTimeout = d, true }
}

// encodeBody returns raw bytes unchanged and encodes anything else as JSON.
func encodeBody(v any) ([]byte, error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding request body: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Do sends one request and returns the server's answer, whatever it is: a
// 4xx or 5xx is a Response, not an error. path is the escaped URL path (build
// it with Path or ClientPath) and may carry a query string. The client's
// access token is sent as a bearer token unless an option says otherwise.
// The error is non-nil only if no complete answer arrived.
func (c *Client) Do(ctx context.Context, method, path string, opts ...RequestOption) (*Response, error) {
	var rc requestConfig
	for _, o := range opts {
		o(&rc)
	}
	if rc.err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, rc.err)
	}
	u, err := c.resolve(path, rc.query)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}

	var body io.Reader
	if rc.hasBody {
		body = bytes.NewReader(rc.body)
	}
	timeout := c.timeout
	if rc.hasTimeout {
		timeout = rc.timeout
	}
	reqCtx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		reqCtx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()

	req, err := http.NewRequestWithContext(reqCtx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: building request: %w", method, u.Redacted(), err)
	}
	req.URL = u
	c.setHeaders(req, &rc)

	sent := SentRequest{Method: method, URL: u.String(), Header: req.Header.Clone(), Body: rc.body}
	start := time.Now()
	res, err := c.roundTrip(req)
	elapsed := time.Since(start)
	if err != nil {
		err = describeFailure(ctx, sent, timeout, elapsed, err)
		c.observe(sent, nil, err)
		return nil, err
	}
	res.Request = sent
	res.Elapsed = elapsed
	c.observe(sent, res, nil)
	return res, nil
}

// request is Do for the client's own calls: its error says who was doing
// what.
func (c *Client) request(ctx context.Context, what, method, path string, opts ...RequestOption) (*Response, error) {
	res, err := c.Do(ctx, method, path, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.who(), what, err)
	}
	return res, nil
}

// resolve appends the escaped path and extra query to the base URL, keeping
// the path's escaping exactly as given.
func (c *Client) resolve(path string, extra url.Values) (*url.URL, error) {
	if c.baseErr != nil {
		return nil, fmt.Errorf("bad base URL: %w", c.baseErr)
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	// Parsed under a placeholder origin so that "//x" stays a path.
	ref, err := url.Parse("http://placeholder" + path)
	if err != nil {
		return nil, fmt.Errorf("parsing path: %w", err)
	}
	u := *c.base
	u.Path = c.base.Path + ref.Path
	u.RawPath = c.base.EscapedPath() + ref.EscapedPath()
	u.RawQuery = ref.RawQuery
	if q := extra.Encode(); q != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += q
	}
	return &u, nil
}

func (c *Client) setHeaders(req *http.Request, rc *requestConfig) {
	for name, values := range rc.header {
		req.Header[name] = values
	}
	setDefault := func(name, value string) {
		if !rc.omit[name] && req.Header.Get(name) == "" {
			req.Header.Set(name, value)
		}
	}
	if !rc.noAuth && c.AccessToken != "" {
		setDefault("Authorization", "Bearer "+c.AccessToken)
	}
	if rc.hasBody {
		setDefault("Content-Type", "application/json")
	}
	setDefault("User-Agent", "herald")
	if rc.omit["User-Agent"] {
		// net/http sends its own User-Agent unless the key is present and empty.
		req.Header["User-Agent"] = []string{""}
	}
}

func (c *Client) roundTrip(req *http.Request) (*Response, error) {
	hres, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, err
	}
	defer hres.Body.Close()
	b, err := io.ReadAll(hres.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the answer (status %d): %w", hres.StatusCode, err)
	}
	return &Response{StatusCode: hres.StatusCode, Header: hres.Header, Body: b}, nil
}

// describeFailure says why no answer came: the caller's context, the
// request timeout, or the network.
func describeFailure(ctx context.Context, sent SentRequest, timeout, elapsed time.Duration, err error) error {
	what := sent.Method + " " + sent.redactedURL()
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: no answer before the context ended (after %s): %w", what, elapsed.Round(time.Millisecond), err)
	case timeout > 0 && errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: no answer within the request timeout of %s: %w", what, timeout, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (c *Client) observe(sent SentRequest, res *Response, err error) {
	if c.observer != nil {
		c.observer(sent, res, err)
	}
}
