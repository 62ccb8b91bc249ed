/* pybpf's linux/pkt_cls.h: the return codes of tc programs. */
#ifndef __PYBPF_LINUX_PKT_CLS_H
#define __PYBPF_LINUX_PKT_CLS_H
#define TC_ACT_UNSPEC (-1)
#define TC_ACT_OK 0
#define TC_ACT_RECLASSIFY 1
#define TC_ACT_SHOT 2
#define TC_ACT_PIPE 3
#define TC_ACT_STOLEN 4
#define TC_ACT_QUEUED 5
#define TC_ACT_REPEAT 6
#define TC_ACT_REDIRECT 7
#endif
