// Compiles Boost.Asio, Boost.Beast and Asio's OpenSSL support once for every program that uses
// them (separate compilation keeps builds fast on two cores). Nothing else belongs here.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
