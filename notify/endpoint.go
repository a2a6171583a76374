package notify

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// A push endpoint is an address a browser gives us and Heard then posts to, so
// it must not be a way to reach machines inside Heard's own network. Endpoints
// are checked when registered (EndpointProblem) and every connection is checked
// again when made (guardedClient), because a name can resolve to anything.

// errAddressNotAllowed is returned when a push endpoint resolves to a private,
// loopback or otherwise internal address.
var errAddressNotAllowed = errors.New("push endpoint address is not allowed")

// cgnat is the shared address space (100.64.0.0/10), internal like the private ranges.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// allowedAddr reports whether Heard may connect to ip for a push.
func allowedAddr(ip netip.Addr, allowLoopback bool) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() {
		return allowLoopback
	}
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !cgnat.Contains(ip)
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// EndpointProblem checks a push endpoint from a browser and returns "" when it
// may be used, or a short problem code for the API's validation error.
func (s *Service) EndpointProblem(raw string) string {
	return EndpointProblem(raw, s.cfg.AllowLoopbackEndpoints)
}

// EndpointProblem is the check itself; allowLoopback accepts http on the local
// machine for tests and development.
func EndpointProblem(raw string, allowLoopback bool) string {
	if raw == "" {
		return "required"
	}
	if len(raw) > 2048 {
		return "too_long"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return "url_format"
	}
	host := strings.ToLower(u.Hostname())
	switch u.Scheme {
	case "https":
	case "http":
		if !(allowLoopback && isLoopbackHost(host)) {
			return "https_required"
		}
		return ""
	default:
		return "https_required"
	}
	if isLoopbackHost(host) {
		if allowLoopback {
			return ""
		}
		return "host_not_allowed"
	}
	if ip, err := netip.ParseAddr(host); err == nil && !allowedAddr(ip, allowLoopback) {
		return "host_not_allowed"
	}
	if !strings.Contains(host, ".") && net.ParseIP(host) == nil {
		return "host_not_allowed" // a bare name can only be an internal machine
	}
	return ""
}

// guardedClient is the HTTP client for push services: a timeout on every send,
// no proxies or redirects, and no connections to internal addresses.
func guardedClient(timeout time.Duration, allowLoopback bool) *http.Client {
	dialer := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return errAddressNotAllowed
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || !allowedAddr(ip, allowLoopback) {
				return errAddressNotAllowed
			}
			return nil
		},
	}
	transport := &http.Transport{
		DialContext:         dialer.DialContext,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
