// Whether a descriptor received over a channel is a listening socket (a Node net.Server's handle).
#pragma once

#include <sys/socket.h>

namespace channel_test_support {

// 1 for a listening socket, 0 for another socket, -1 when it is not a socket.
inline int listening_socket(int fd) {
    int accepting = 0;
    socklen_t size = sizeof accepting;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &size) != 0) return -1;
    return accepting;
}

}  // namespace channel_test_support
