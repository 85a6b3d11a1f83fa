#!/usr/bin/env python3
"""CPU samples of a JFR recording split by trace-store stage (decode, map+price, WAL, Lucene inversion,
flush, merge, ...) and by thread. Record with -XX:StartFlightRecording=filename=run.jfr,settings=profile
and run: python3 bench/jfr-stages.py run.jfr (needs the JDK's jfr tool on PATH)."""
import json, sys, subprocess, collections
f = sys.argv[1]
out = subprocess.run(['jfr','print','--json','--stack-depth','96','--events','jdk.ExecutionSample',f],capture_output=True,text=True).stdout
ev = json.loads(out)['recording']['events']
rules = [
 ('merge', ['IndexWriter.merge','SegmentMerger']),
 ('flush', ['DocumentsWriterPerThread.flush','IndexingChain.flush','FreqProxTermsWriter.flush','DocumentsWriter.flushAllThreads','IndexWriter.publishFlushedSegment']),
 ('lucene-invert', ['IndexingChain.processDocument','IndexWriter.updateDocument','IndexWriter.addDocument','IndexWriter.softUpdateDocument','IndexWriter.updateDocuments']),
 ('doc-build', ['SpanDocuments.toDocument']),
 ('wal-decode(applier)', ['IngestBatch.decode']),
 ('refresh/search', ['SearcherManager','SpanSearch','StandardDirectoryReader']),
 ('commit', ['IndexWriter.commit','IndexWriter.prepareCommit']),
 ('wal-encode', ['IngestBatch.encode']),
 ('wal-write', ['WriteAheadLog']),
 ('pb-decode', ['mergeFrom','parseFrom','CodedInputStream','OtlpJson']),
 ('map+price', ['SpanMapper','Pricing','TextExtractor']),
 ('loadgen', ['io.opentelemetry.exporter','io.opentelemetry.sdk','OtlpIngestBench','okhttp3','okio']),
 ('netty/vertx', ['io.netty','io.vertx']),
]
c = collections.Counter(); threads=collections.Counter()
for e in ev:
    frames = [ (fr['method']['type']['name']+'.'+fr['method']['name']) for fr in e['values']['stackTrace']['frames']]
    s = ' '.join(frames)
    tn = (e['values'].get('sampledThread') or {}).get('javaName') or '?'
    stage='other'
    for name,keys in rules:
        if any(k in s for k in keys): stage=name; break
    c[stage]+=1
    import re
    threads[re.sub(r'[-_ ]?\d+$','',tn)]+=1
tot=sum(c.values())
for k,v in c.most_common(): print(f"{k:22s} {v:6d} {100*v/tot:5.1f}%")
print('--- threads')
for k,v in threads.most_common(15): print(f"{k:40s} {v:6d} {100*v/tot:5.1f}%")
