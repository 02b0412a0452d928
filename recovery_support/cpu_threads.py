"""One compute thread per Rasa process (TensorFlow and the OpenMP pool its oneDNN kernels use).

Inference here is one short message at a time, too small to split across threads, but by default TensorFlow and
OpenMP start a thread per core and keep them spinning between tasks. With the chat server and the NLU server on
two cores, that spinning took a core's worth of CPU: measured with ``make bench``'s load, the NLU server spent
13.9 ms of CPU per message with the defaults and 7.1 ms with these, and throughput went from 77 to 112 messages/s
(README, "Speed"). ``scripts/run.sh`` exports the same values (a test keeps them equal), as do the replicas
and the Helm values.
"""
ONE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
}
