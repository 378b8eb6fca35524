//! LVS-DR real-server ARP setup (being written).
