//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package dialect

import (
	"errors"
	"net"
	"syscall"
)

// peek looks at c's socket with recv(MSG_PEEK|MSG_DONTWAIT).
func peek(c net.Conn) socketState {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return socketUnknown
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return socketUnknown
	}
	state := socketUnknown
	var buf [1]byte
	// Control, not Read: Read waits for the socket's read lock, which pgx's
	// background reader holds while it blocks in a read (it starts one
	// when a write is slow, and that read lasts until the server sends
	// something). A peek neither needs the lock nor takes data from it.
	err = raw.Control(func(fd uintptr) {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK):
			state = socketQuiet
		case errors.Is(err, syscall.EINTR):
			state = socketUnknown
		case err != nil || n == 0:
			state = socketGone
		}
	})
	if err != nil {
		return socketUnknown
	}
	return state
}
