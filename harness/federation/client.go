package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"herald/harness/matrix"
	"herald/harness/mockhttp"
)

// RequestOption changes how the mock sends one request: for raw requests,
// and for typed calls that must be subtly wrong.
type RequestOption func(*outbound)

type outbound struct {
	unsigned       bool
	origin         string
	destination    *string
	headerDest     string
	signer         *matrix.Signer
	signedBody     []byte
	signedBodySet  bool
	authorization  *string
	corrupt        bool
	header         http.Header
	modifyBody     []func(matrix.Object)
	contentType    string
	contentTypeSet bool
}

// Unsigned sends no Authorization header.
func Unsigned() RequestOption { return func(o *outbound) { o.unsigned = true } }

// SignAs claims origin in the X-Matrix header (and signs for it with the
// mock's key, which is then not origin's key).
func SignAs(origin string) RequestOption { return func(o *outbound) { o.origin = origin } }

// ToDestination names destination in the X-Matrix header and signature
// instead of the peer.
func ToDestination(destination string) RequestOption {
	return func(o *outbound) { o.destination = &destination }
}

// NamingDestination names destination in the X-Matrix header only: the
// signature is made for the peer, as a valid request to it is, so nothing
// but the header's destination check can tell the request is misaddressed.
func NamingDestination(destination string) RequestOption {
	return func(o *outbound) { o.headerDest = destination }
}

// OmitDestination leaves destination out of the X-Matrix header (the
// signature still covers the peer's name, as for pre-v1.3 senders).
func OmitDestination() RequestOption {
	return func(o *outbound) { empty := ""; o.destination = &empty }
}

// SignWith signs with another key (its server name is the origin unless
// SignAs says otherwise).
func SignWith(signer *matrix.Signer) RequestOption { return func(o *outbound) { o.signer = signer } }

// SignContent signs over body instead of the body sent (nil: as if there
// were no body).
func SignContent(body []byte) RequestOption {
	return func(o *outbound) { o.signedBody, o.signedBodySet = body, true }
}

// CorruptSignature flips a bit of the X-Matrix signature.
func CorruptSignature() RequestOption { return func(o *outbound) { o.corrupt = true } }

// Authorization sends value as the whole Authorization header, instead of
// a signature.
func Authorization(value string) RequestOption {
	return func(o *outbound) { o.authorization = &value }
}

// WithHeader adds a request header.
func WithHeader(name, value string) RequestOption {
	return func(o *outbound) {
		if o.header == nil {
			o.header = http.Header{}
		}
		o.header.Add(name, value)
	}
}

// ContentType sets the Content-Type ("" sends none). By default a request
// with a body says application/json.
func ContentType(ct string) RequestOption {
	return func(o *outbound) { o.contentType, o.contentTypeSet = ct, true }
}

// ModifyBody lets a typed call's JSON body be changed (after the mock
// built it, before it is signed and sent).
func ModifyBody(f func(body matrix.Object)) RequestOption {
	return func(o *outbound) { o.modifyBody = append(o.modifyBody, f) }
}

// Sent is a request as the mock sent it.
type Sent = mockhttp.Sent

// Response is the peer's answer to one request of the mock, with the
// request, for failure messages.
type Response = mockhttp.Response

// Raw sends any request to the peer: target is the request target (path
// and query) sent byte for byte, body is sent as is. It is signed unless
// an option says otherwise; the answer comes back whatever it is.
func (s *Server) Raw(ctx context.Context, method, target string, body []byte, opts ...RequestOption) (*Response, error) {
	var b any // a nil []byte would still be a non-nil any
	if body != nil {
		b = body
	}
	return s.call(ctx, routeOf(method, target), method, target, b, opts, nil)
}

// call sends one request and journals it. body is nil, []byte (sent as
// is) or a JSON value (canonical JSON). check, if not nil, verifies the
// answer; its results go into the journal.
func (s *Server) call(ctx context.Context, route Route, method, target string, body any, opts []RequestOption, check func(*Response) []Check) (*Response, error) {
	o := &outbound{}
	for _, opt := range opts {
		opt(o)
	}
	raw, err := encodeBody(body, o.modifyBody)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, target, err)
	}
	peer := s.Peer()
	req, err := mockhttp.NewRequest(ctx, method, peer, target, raw)
	if err != nil {
		return nil, err
	}
	if len(raw) > 0 && (!o.contentTypeSet || o.contentType != "") {
		ct := "application/json"
		if o.contentTypeSet {
			ct = o.contentType
		}
		req.Header.Set("Content-Type", ct)
	}
	for k, vs := range o.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if err := s.authorize(req, o, peer, raw); err != nil {
		return nil, fmt.Errorf("%s %s: signing: %w", method, target, err)
	}
	sent, res, err := mockhttp.Send(s.Mock, req, peer, route, raw)
	ex := Exchange{Exchange: sent, Origin: s.Name()}
	if err == nil && check != nil {
		ex.Checks = check(res)
	}
	s.Journal.Record(ex)
	return res, err
}

// authorize sets the Authorization header as the options say.
func (s *Server) authorize(req *http.Request, o *outbound, peer mockhttp.Peer, body []byte) error {
	switch {
	case o.authorization != nil:
		req.Header.Set("Authorization", *o.authorization)
		return nil
	case o.unsigned:
		return nil
	}
	signer := s.Signer()
	if o.signer != nil {
		signer = o.signer
	}
	origin := signer.ServerName
	if o.origin != "" {
		origin = o.origin
	}
	dest := peer.Name
	if o.destination != nil && *o.destination != "" {
		dest = *o.destination
	}
	signed := body
	if o.signedBodySet {
		signed = o.signedBody
	}
	obj, err := matrix.RequestJSON(req.Method, req.URL.RequestURI(), origin, dest, signed)
	if err != nil {
		return err
	}
	sig, err := signer.Signature(obj)
	if err != nil {
		return err
	}
	if o.corrupt {
		b, _ := matrix.DecodeBase64(sig)
		b[0] ^= 1
		sig = matrix.EncodeBase64(b)
	}
	x := matrix.XMatrix{Origin: origin, Destination: dest, KeyID: signer.KeyID, Signature: sig}
	if o.destination != nil && *o.destination == "" {
		x.Destination = ""
	}
	if o.headerDest != "" {
		x.Destination = o.headerDest
	}
	req.Header.Set("Authorization", x.String())
	return nil
}

func encodeBody(body any, modify []func(matrix.Object)) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		if len(modify) > 0 {
			return nil, errors.New("ModifyBody applies to JSON bodies of typed calls, not raw bytes")
		}
		return b, nil
	}
	if len(modify) > 0 {
		var obj matrix.Object
		switch b := body.(type) {
		case matrix.Object:
			obj = b.Clone()
		case map[string]any:
			obj = matrix.Object(b).Clone()
		default:
			return nil, fmt.Errorf("ModifyBody needs a JSON object body, the call sends %T", body)
		}
		for _, f := range modify {
			f(obj)
		}
		body = obj
	}
	return matrix.CanonicalJSONLax(body)
}

// routeOf finds the route a raw request is for, to label it in the
// journal.
func routeOf(method, target string) Route {
	path, _, _ := strings.Cut(target, "?")
	mux := http.NewServeMux()
	for _, r := range allRoutes() {
		mux.Handle(string(r), http.NotFoundHandler())
	}
	req, err := http.NewRequest(method, "https://x"+path, nil)
	if err != nil {
		return Unrouted
	}
	_, pattern := mux.Handler(req)
	return Route(pattern)
}
