#!/usr/bin/env python3
"""Independent SDM-model cross-check of the recorded vectors (sanity of the harness).

Re-computes results and *defined* flags from the Intel SDM pseudocode for the
ALU register forms, all shifts/rotates, mul/imul/div/idiv (Eb/Ev), bt*/bsf/bsr,
setcc/cmovcc and the BCD instructions, and compares with the oracle's outputs
(masking the undefined flags of each row).  Prints per-group counts and the
number of mismatches; exit status 1 if any.
Usage: sdm_crosscheck.py [vectors-dir]
"""
import os
VEC = os.path.abspath(os.sys.argv[1] if len(os.sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vectors"))
import gzip,re,sys
CF,PF,AF,ZF,SF,OF=1,4,0x10,0x40,0x80,0x800
ST6=CF|PF|AF|ZF|SF|OF
def par(v): return PF if bin(v&0xff).count('1')%2==0 else 0
def szp(r,w):
    m=(1<<w)-1; r&=m
    return (ZF if r==0 else 0)|(SF if r>>(w-1)&1 else 0)|par(r)
def alu(op,a,b,fl,w):
    m=(1<<w)-1; c=fl&CF; sb=1<<(w-1)
    if op in('add','adc'):
        cin=c if op=='adc' else 0; r=a+b+cin; res=r&m
        f=(CF if r>m else 0)|((a^b^res)&0x10 and AF)|(OF if (~(a^b)&(a^res))&sb else 0)
    elif op in('sub','sbb','cmp'):
        cin=c if op=='sbb' else 0; r=a-b-cin; res=r&m
        f=(CF if r<0 else 0)|((a^b^res)&0x10 and AF)|(OF if ((a^b)&(a^res))&sb else 0)
    else:
        res={'and':a&b,'or':a|b,'xor':a^b,'test':a&b}[op]; f=0
    f|=szp(res,w)
    if op in('cmp','test'): res=a
    return res,f
def shift(op,v,c,fl,w):
    m=(1<<w)-1; mc=c&31; cf=fl&CF
    if mc==0: return v,fl&ST6
    f=fl&ST6
    if op in('shl','shr','sar'):
        if op=='shl': r=(v<<mc); cfo=(r>>w)&1; r&=m; of=((r>>(w-1))&1)^cfo
        elif op=='shr': r=v>>mc; cfo=(v>>(mc-1))&1 if mc<=w else 0; of=(v>>(w-1))&1
        else:
            sv=v-(1<<w) if v>>(w-1)&1 else v; r=(sv>>mc)&m; cfo=(sv>>(mc-1))&1 if mc<=w+1 else (1 if sv<0 else 0); of=0
        f=(cfo and CF)|szp(r,w)|(of and OF)
        return r,f
    if op in('rol','ror'):
        t=mc%w
        r=((v<<t)|(v>>(w-t)))&m if op=='rol' else ((v>>t)|(v<<(w-t)))&m
        if op=='rol': cfo=r&1; of=((r>>(w-1))&1)^cfo
        else: cfo=(r>>(w-1))&1; of=((r>>(w-1))^(r>>(w-2)))&1
        return r,(f&~(CF|OF))|(cfo and CF)|(of and OF)
    # rcl rcr
    t=mc%(w+1); x=v|(cf<<w); W=w+1; M=(1<<W)-1
    if op=='rcl': x=((x<<t)|(x>>(W-t)))&M if t else x; r=x&m; cfo=x>>w
    else: x=((x>>t)|(x<<(W-t)))&M if t else x; r=x&m; cfo=x>>w
    if op=='rcl': of=((r>>(w-1))&1)^cfo
    else: of=((r>>(w-1))^(r>>(w-2)))&1
    return r,(f&~(CF|OF))|(cfo and CF)|(of and OF)
bad=0;n=0
def chk(name,exp_r,got_r,exp_f,got_f,u,toks):
    global bad,n
    n+=1
    if exp_r is not None and exp_r!=got_r or (exp_f^got_f)&ST6&~u:
        bad+=1
        if bad<15: print('MISMATCH',name,toks,'exp',hex(exp_r) if exp_r is not None else None,hex(exp_f),'got',hex(got_r),hex(got_f))
def rows(fn):
    form=None
    for line in gzip.open(fn,'rt'):
        if line.startswith('@form'):
            p=dict(kv.split('=',1) for kv in line.split()[2:]); form=(line.split()[1],p['in'].split(','),p['out'].split(','),int(p['undef'],16))
        elif line[0] not in '#@\n':
            t=line.split(); u=form[3]
            if t[-1].startswith('u='): u=int(t[-1][2:],16); t=t[:-1]
            ins=dict(zip(form[1],t)); outs=dict(zip(form[2],t[len(form[1]):]))
            yield form[0],ins,outs,u,t
R8={0:('eax',0),1:('ecx',0),2:('edx',0),3:('ebx',0),4:('eax',8),5:('ecx',8),6:('edx',8),7:('ebx',8)}
def get(ins,reg,sh,w): return (int(ins[reg],16)>>sh)&((1<<w)-1)
for name,ins,outs,u,t in rows(os.path.join(VEC, 'alu.txt.gz')):
    mm=re.match(r'(\w+?)_(Ev_Gv|Eb_Gb)_(\d+)(_hi)?$',name)
    if not mm: continue
    op,kind,w,hi=mm.group(1),mm.group(2),int(mm.group(3)),mm.group(4)
    fl=int(ins['flags'],16)
    if w==8:
        (dr,ds),(sr,ss)=(R8[4],R8[3]) if hi else (R8[1],R8[6])
    else: (dr,ds),(sr,ss)=('ecx',0),('edx',0)
    a=get(ins,dr,ds,w); b=get(ins,sr,ss,w)
    res,f=alu(op,a,b,fl,w)
    full=(int(ins[dr],16)&~(((1<<w)-1)<<ds))|(res<<ds)
    chk(name,full,int(outs[dr],16),f,int(outs['flags'],16),u,t)
print('alu checked',n,'bad',bad)
n0=n
for name,ins,outs,u,t in rows(os.path.join(VEC, 'shift.txt.gz')):
    mm=re.match(r'(\w+?)_(Ev|Eb)_(1|CL|Ib)_(\d+)(?:_c(\d+))?$',name)
    if not mm: continue
    op,_,k,w,c=mm.groups(); w=int(w)
    cnt=1 if k=='1' else (int(ins['ecx'],16)&0xff if k=='CL' else int(c))
    reg,sh={8:('edx',8),16:('ebx',0),32:('edi',0)}[w]
    v=get(ins,reg,sh,w); fl=int(ins['flags'],16)
    r,f=shift(op,v,cnt,fl,w)
    full=(int(ins[reg],16)&~(((1<<w)-1)<<sh))|(r<<sh)
    chk(name,full,int(outs[reg],16),f,int(outs['flags'],16),u,t)
print('shift checked',n-n0,'bad',bad)
n0=n
def bcd(op,ax,fl,imm=10):
    al,ah=ax&0xff,(ax>>8)&0xff; af=bool(fl&AF); cf=bool(fl&CF); f=fl&ST6&~(CF|AF)
    if op=='daa':
        oal,ocf=al,cf; cf=False
        if (al&15)>9 or af: cf=ocf or al+6>0xff; al=(al+6)&0xff; af=True
        else: af=False
        if oal>0x99 or ocf: al=(al+0x60)&0xff; cf=True
        else: cf=False
    elif op=='das':
        oal,ocf=al,cf; cf=False
        if (al&15)>9 or af: cf=ocf or al<6; al=(al-6)&0xff; af=True
        else: af=False
        if oal>0x99 or ocf: al=(al-0x60)&0xff; cf=True
    elif op=='aaa':
        if (al&15)>9 or af: v=(ax&0xffff)+0x106; al,ah=v&0xff,(v>>8)&0xff; af=cf=True
        else: af=cf=False
        al&=15
    elif op=='aas':
        if (al&15)>9 or af: v=((ax&0xffff)-6)&0xffff; al,ah=v&0xff,((v>>8)-1)&0xff; af=cf=True
        else: af=cf=False
        al&=15
    elif op=='aam': ah,al=al//imm,al%imm
    elif op=='aad': al=(al+ah*imm)&0xff; ah=0
    f=(f&~(ZF|SF|PF))|szp(al,8)|(AF if af else 0)|(CF if cf else 0)
    return (ax&0xffff0000)|(ah<<8)|al,f
for name,ins,outs,u,t in rows(os.path.join(VEC, 'bcd.txt.gz')):
    op=name[:3]; imm=int(name[-2:],16) if op in('aam','aad') else 10
    if outs.get('exc','ff')!='ff': continue
    r,f=bcd(op,int(ins['eax'],16),int(ins['flags'],16),imm)
    chk(name,r,int(outs['eax'],16),f,int(outs['flags'],16),u,t)
print('bcd checked',n-n0,'bad',bad)
n0=n
def sx(v,w): return v-(1<<w) if v>>(w-1)&1 else v
for name,ins,outs,u,t in rows(os.path.join(VEC, 'muldiv.txt.gz')):
    mm=re.match(r'(mul|imul|div|idiv)_(Eb|Ev)_(\d+)$',name)
    if not mm: continue
    op,_,w=mm.groups(); w=int(w); m=(1<<w)-1
    eax=int(ins['eax'],16); edx=int(ins.get('edx','0'),16); src=int(ins['ebx'],16)&m; fl=int(ins['flags'],16)
    a=eax&m
    if op in('mul','imul'):
        if op=='mul': p=a*src; hi=p>>w; ovf=hi!=0
        else: p=sx(a,w)*sx(src,w); ovf=not(-(1<<(w-1))<=p<(1<<(w-1)))
        p&=(1<<(2*w))-1
        if w==8: ne=(eax&~0xffff)|p; nd=edx
        elif w==16: ne=(eax&~0xffff)|(p&0xffff); nd=(edx&~0xffff)|(p>>16)
        else: ne=p&0xffffffff; nd=p>>32
        f=(fl&ST6&~(CF|OF))|((CF|OF) if ovf else 0)
        chk(name,ne,int(outs['eax'],16),f,int(outs['flags'],16),u,t)
        if w>8: chk(name,nd,int(outs['edx'],16),f,int(outs['flags'],16),u,t)
    else:
        dv=(eax&0xffff) if w==8 else (((edx&0xffff)<<16)|(eax&0xffff) if w==16 else (edx<<32)|eax)
        fault=False
        if src==0: fault=True
        elif op=='div':
            q,r=divmod(dv,src); fault=q>m
        else:
            a_=sx(dv,2*w); b_=sx(src,w); q=abs(a_)//abs(b_)*(1 if (a_<0)==(b_<0) else -1); r=a_-q*b_
            fault=not(-(1<<(w-1))<=q<(1<<(w-1)))
        exc=outs['exc']
        n+=1
        if fault!=(exc=='0'): bad+=1; print('DIVFAULT',name,t)
        if fault: continue
        q&=m; r&=m
        if w==8: ne=(eax&~0xffff)|(r<<8)|q
        elif w==16: ne=(eax&~0xffff)|q; nd=(edx&~0xffff)|r
        else: ne=q; nd=r
        chk(name,ne,int(outs['eax'],16),0,0,u|ST6,t)
        if w>8: chk(name,nd,int(outs['edx'],16),0,0,u|ST6,t)
print('muldiv checked',n-n0,'bad',bad)
n0=n
for name,ins,outs,u,t in rows(os.path.join(VEC, 'bitops.txt.gz')):
    mm=re.match(r'(bt|bts|btr|btc)_Ev_(Gv|Ib)_(\d+)(?:_i([0-9a-f]+))?$',name)
    if mm:
        op,k,w,imm=mm.groups(); w=int(w); m=(1<<w)-1
        off=(int(ins['ecx'],16) if k=='Gv' else int(imm,16))%w
        d=int(ins['ebx'],16); v=d&m; fl=int(ins['flags'],16); bit=(v>>off)&1
        nv={'bt':v,'bts':v|(1<<off),'btr':v&~(1<<off),'btc':v^(1<<off)}[op]
        chk(name,(d&~m)|nv,int(outs['ebx'],16),(fl&ST6&~CF)|bit,int(outs['flags'],16),u,t); continue
    mm=re.match(r'(bsf|bsr)_Gv_Ev_(\d+)$',name)
    if mm:
        op,w=mm.groups(); w=int(w); m=(1<<w)-1; s=int(ins['ebx'],16)&m; c=int(ins['ecx'],16); fl=int(ins['flags'],16)
        if s==0: chk(name,None,0,fl&ST6|ZF,int(outs['flags'],16),u,t); continue
        idx=(s&-s).bit_length()-1 if op=='bsf' else s.bit_length()-1
        chk(name,(c&~m)|idx,int(outs['ecx'],16),fl&ST6&~ZF,int(outs['flags'],16),u,t)
print('bitops checked',n-n0,'bad',bad)
n0=n
def cond(cc,f):
    c,p,z,s,o=[bool(f&b) for b in (CF,PF,ZF,SF,OF)]
    r=[o,c,z,c or z,s,p,s!=o,z or s!=o][cc>>1]
    return r!=bool(cc&1)
CC=["o","no","b","ae","e","ne","be","a","s","ns","p","np","l","ge","le","g"]
for name,ins,outs,u,t in rows(os.path.join(VEC, 'setcc.txt.gz')):
    mm=re.match(r'(set|cmov)([a-z]+)_(Eb|Gv_Ev_(\d+))$',name)
    if not mm: continue
    kind,ccn,_,w=mm.groups(); cc=CC.index(ccn); fl=int(ins['flags'],16); r=cond(cc,fl)
    if kind=='set':
        reg=['eax','ecx','edx','ebx'][cc&3]; sh=8 if (cc&7)>=4 else 0; v=int(ins[reg],16)
        exp=(v&~(0xff<<sh))|(int(r)<<sh); chk(name,exp,int(outs[reg],16),fl,int(outs['flags'],16),u,t)
    else:
        w=int(w); m=(1<<w)-1; d=int(ins['ecx'],16); s=int(ins['ebx'],16)
        exp=((d&~m)|(s&m)) if r else d
        chk(name,exp,int(outs['ecx'],16),fl,int(outs['flags'],16),u,t)
print('setcc checked',n-n0,'bad',bad)
sys.exit(1 if bad else 0)
