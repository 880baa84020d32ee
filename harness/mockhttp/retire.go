package mockhttp

import (
	"net"
	"sync/atomic"
	"time"
)

// retainedListener lets the HTTP server stop using a TCP listener without
// closing its socket, so the port stays bound after the server is done.
type retainedListener struct {
	*net.TCPListener
	stopped atomic.Bool
}

func (l *retainedListener) Accept() (net.Conn, error) {
	c, err := l.TCPListener.Accept()
	if err != nil && l.stopped.Load() {
		return nil, net.ErrClosed
	}
	return c, err
}

// Close stops Accept (through a deadline in the past), not the socket.
func (l *retainedListener) Close() error {
	l.stopped.Store(true)
	return l.TCPListener.SetDeadline(time.Unix(1, 0))
}

// retire keeps the port bound, and listening, until the process exits, and
// closes every connection made to it at once. (A socket still listening is
// what keeps the kernel from handing the port to a later listener.)
func (l *retainedListener) retire() {
	l.TCPListener.SetDeadline(time.Time{})
	go func() {
		for {
			c, err := l.TCPListener.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}
