// A Go TLS client and server (crypto/tls) for the samples.
//
//	gotls client ADDR SNI CAFILE [KEYLOG]   connect, handshake, print the result
//	                                         (KEYLOG: write the session's secrets there)
//	gotls server PORT CERT KEY     TLS 1.2 server that requires any client certificate
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	switch os.Args[1] {
	case "client":
		pool := x509.NewCertPool()
		pem, err := os.ReadFile(os.Args[4])
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			fmt.Println("cannot read", os.Args[4])
			os.Exit(2)
		}
		conf := &tls.Config{ServerName: os.Args[3], RootCAs: pool}
		if len(os.Args) > 5 {
			f, err := os.Create(os.Args[5])
			if err != nil {
				fmt.Println(err)
				os.Exit(2)
			}
			defer f.Close()
			conf.KeyLogWriter = f
		}
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 3 * time.Second}, "tcp", os.Args[2], conf)
		if err != nil {
			fmt.Println("FAILED:", err)
			return
		}
		fmt.Println("handshake ok")
		c.Close()
	case "server":
		cert, err := tls.LoadX509KeyPair(os.Args[3], os.Args[4])
		if err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		l, err := tls.Listen("tcp", "127.0.0.1:"+os.Args[2], &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientAuth:   tls.RequireAnyClientCert,
			MaxVersion:   tls.VersionTLS12,
		})
		if err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		c, err := l.Accept()
		if err == nil {
			err = c.(*tls.Conn).Handshake()
			fmt.Println("handshake:", err)
			c.Close()
		}
		l.Close()
	}
}
