(module
  (type (;0;) (func (param v128) (result v128)))
  (import "%" "" (func (;0;) (type 0) (param v128) (result v128)))
  (table (;0;) 71 86 funcref)
  (global (;0;) (mut i32) i32.const 0)
  (global (;1;) (mut i64) i64.const 0)
  (global (;2;) (mut v128) v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000)
  (global (;3;) (mut i64) i64.const 0)
  (global (;4;) (mut i32) i32.const 0)
  (global (;5;) (mut i32) i32.const 2000)
  (export "2" (func 2))
  (func (;1;) (type 0) (param v128) (result v128)
    (local i64 f32 v128 funcref f32 v128 v128 v128 f32 f64 v128 f64 f32)
    i64.const 4287719101081734221
    block ;; label = @1
      loop ;; label = @2
        block (result funcref) ;; label = @3
          i64.const 86
          i32.const -4194305
          f32.reinterpret_i32
          ref.null func
          f64.const 0x1.5cp-1068 (;=0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000043;)
          local.get 0
          i16x8.extract_lane_s 5
          loop (result v128) ;; label = @4
            v128.const i32x4 0x0990f110 0xa365946f 0x6d4530b2 0x7b1812d1
            v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
            local.get 8
            v128.bitselect
            i8x16.extract_lane_s 9
            v128.const i32x4 0x2674cf9f 0x52b0c395 0x2850def9 0x001e2bad
            f32x4.extract_lane 3
            f64.const 0x1.d7ae49651d29cp-576 (;=0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000744956197460716;)
            i64.const -9223372036854775808
            f64.convert_i64_s
            f64.eq
            loop (result f64) ;; label = @5
              global.get 5
              if ;; label = @6
                block (result f64) ;; label = @7
                  br 1 (;@6;)
                  block ;; label = @8
                    i64.const 4306480359304162615
                    v128.const i32x4 0xb64d7f8a 0x25e8ac01 0x2305a4fb 0x3ce93369
                    f64.const 0x1.35ba507bc555bp+689 (;=3107471982840420600000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
                    f64.const nan (;=NaN;)
                    local.get 12
                    local.get 12
                    f64.eq
                    select
                    i64.reinterpret_f64
                    block (result i64) ;; label = @9
                      loop (result i64) ;; label = @10
                        local.get 1
                        v128.const i32x4 0xcf052c58 0x981887de 0x43f17263 0x4d9f1af2
                        i8x16.extract_lane_s 3
                        f32.convert_i32_s
                        f32.const nan (;=NaN;)
                        local.get 13
                        local.get 13
                        f32.eq
                        select
                        i32.reinterpret_f32
                        global.set 0
                      end
                    end
                    i64.xor
                    global.set 1
                    global.set 2
                    global.set 1
                  end
                end
                i64.reinterpret_f64
                global.set 3
              end
              f64.const -0x1.2a6afd6f1e5a5p+71 (;=-2752419587139364700000;)
            end
            i64.reinterpret_f64
            global.set 3
            global.set 4
            i32.reinterpret_f32
            i32.xor
            global.set 4
            v128.const i32x4 0x3cab4a58 0xea645339 0x499fe751 0x5f644288
          end
          global.set 2
          global.set 4
          i64.reinterpret_f64
          global.set 3
          drop
          i32.reinterpret_f32
          global.set 0
          global.set 1
          ref.null func
        end
        drop
      end
    end
    global.set 1
    v128.const i32x4 0xffffffff 0xfffffffd 0x00000400 0x00000000
  )
  (func (;2;) (type 0) (param v128) (result v128)
    (local v128 f64 f64 f64 f32 v128 f32 f32 v128 v128 f32 v128 v128 v128)
    block (result v128) ;; label = @1
      i64.const 134217727
      v128.const i32x4 0x7eba84ac 0x94bb5d45 0x433cf811 0x70019300
      i16x8.extend_low_i8x16_u
      f64x2.extract_lane 0
      f64.ceil
      f64.const nan (;=NaN;)
      local.get 2
      local.get 2
      f64.eq
      select
      f64.const nan (;=NaN;)
      local.get 4
      local.get 4
      f64.eq
      select
      i32.trunc_f64_s
      if ;; label = @2
        local.get 0
        i32x4.trunc_sat_f32x4_u
        f32x4.convert_i32x4_u
        i32.const -1455853896
        local.get 0
        i32x4.trunc_sat_f64x2_u_zero
        f32x4.convert_i32x4_s
        f64x2.convert_low_i32x4_u
        f64x2.convert_low_i32x4_u
        f32x4.convert_i32x4_s
        f32.const 0x1.020202p-125 (;=0.000000000000000000000000000000000000023694278;)
        f32.const nan (;=NaN;)
        local.get 5
        local.get 5
        f32.eq
        select
        i32.trunc_f32_u
        br_table 1 (;@1;) 2 2
        if (result i64) ;; label = @3
          table.size 0
          f64.const -0x1.a4bd45d8b1515p+497 (;=-672482532673467900000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
          f32.const 0x1.p-140 (;=0.000000000000000000000000000000000000000000717;)
          f32.const nan (;=NaN;)
          local.get 11
          local.get 11
          f32.eq
          select
          local.get 0
          i8x16.extract_lane_u 0
          f64.convert_i32_s
          i64.reinterpret_f64
          global.set 3
          i32.reinterpret_f32
          global.set 0
          i64.reinterpret_f64
          global.set 3
          global.set 4
          i64.const 8
        else
          i64.const 1048576
        end
        drop
      end
      global.set 1
      v128.const i32x4 0xffffffff 0xfffffffd 0xffffefff 0xffffffff
    end
  )
  (func (;3;) (type 0) (param v128) (result v128)
    (local f32 v128 f64 f64 f64 v128 v128 f32 f32)
    global.get 5
    f64.convert_i32_u
    f64.const -0x1.72c3a386e613ap+56 (;=-104360848493253540;)
    f64.eq
    f32.const -0x1p+65 (;=-36893490000000000000;)
    i64.const -7842513578144557417
    i64.eqz
    block (result f64) ;; label = @1
      local.get 0
      i16x8.extract_lane_s 7
      block ;; label = @2
        f32.const 0x1.p-131 (;=0.000000000000000000000000000000000000000367342;)
        f32.const nan (;=NaN;)
        local.get 1
        local.get 1
        f32.eq
        select
        i32.trunc_f32_u
        loop ;; label = @3
          f64.const 0x1.20f8f1e661107p-1020 (;=0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000010046641008128874;)
          i64.trunc_f64_u
          ref.null func
          ref.is_null
          i32x4.splat
          block (type 0) (param v128) (result v128) ;; label = @4
            local.set 0
            i64.const -8589934592
            i32.const 1467401255
            loop ;; label = @5
              f32.const -nan:0x780000 (;=NaN;)
              i32.const -1275068416
              f64.convert_i32_s
              f64.const nan (;=NaN;)
              local.get 5
              local.get 5
              f64.eq
              select
              i64.reinterpret_f64
              block (result v128) ;; label = @6
                local.get 0
                f32x4.extract_lane 1
                i32.const -528793049
                table.size 0
                loop (result f64) ;; label = @7
                  block (result v128) ;; label = @8
                    block (result externref) ;; label = @9
                      i64.const -6520285056432823771
                      f32.convert_i64_u
                      local.get 0
                      i16x8.extract_lane_s 1
                      loop (result f32) ;; label = @10
                        global.get 5
                        if ;; label = @11
                          unreachable
                          loop (type 0) (param v128) (result v128) ;; label = @12
                            global.get 5
                            i32.const 1
                            f32.const 0x1p-126 (;=0.000000000000000000000000000000000000011754944;)
                            v128.const i32x4 0x49b86794 0x40c4e2a8 0x82fe03ad 0x7b86fbee
                            i8x16.all_true
                            f64.convert_i32_s
                            loop ;; label = @13
                              loop ;; label = @14
                                f64.const 0x1.9808c89042b3dp+685 (;=255860796567117280000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
                                f32.demote_f64
                                f32.const nan (;=NaN;)
                                local.get 9
                                local.get 9
                                f32.eq
                                select
                                i64.const -274877906945
                                f32.convert_i64_u
                                v128.const i32x4 0x2f1a19e6 0x1c03a009 0x4862dbd8 0x3fe79d43
                                v128.const i32x4 0x2f70a9d0 0x1af7f97a 0xed84554f 0x8bb167d5
                                i64x2.extract_lane 0
                                ref.null func
                                i32.const 2143289344
                                f64.const 0x1.p-1052 (;=0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000020722615;)
                                i64.reinterpret_f64
                                global.set 3
                                global.set 4
                                drop
                                global.set 1
                                global.set 2
                                i32.reinterpret_f32
                                global.set 0
                                i32.reinterpret_f32
                                global.set 0
                              end
                            end
                            i64.reinterpret_f64
                            global.set 3
                            i32.reinterpret_f32
                            i32.xor
                            global.set 4
                            drop
                          end
                          global.set 2
                        end
                        f32.const -0x1.ee9b04p+101 (;=-4898336000000000000000000000000;)
                      end
                      i32.reinterpret_f32
                      i32.xor
                      global.set 4
                      i32.reinterpret_f32
                      global.set 0
                      ref.null extern
                    end
                    drop
                    v128.const i32x4 0xe0000000 0xffffffff 0x02000000 0x00000000
                  end
                  global.set 2
                  f64.const 0x1.762dc3d40f3a3p+864 (;=179785818105828100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
                end
                i64.reinterpret_f64
                global.set 3
                i32.xor
                global.set 4
                i32.reinterpret_f32
                global.set 0
                v128.const i32x4 0x07a53001 0xd0a6f916 0x5dd4b1e7 0x506f749f
              end
              global.set 2
              global.set 1
              i32.reinterpret_f32
              global.set 0
            end
            global.set 4
            global.set 1
            v128.const i32x4 0xb4f1c554 0xd77c5482 0x9b1b649a 0xd9a185a8
          end
          global.set 2
          global.set 1
        end
        global.set 4
      end
      global.set 4
      f64.const 0x1.e9913ebe36d73p-216 (;=0.00000000000000000000000000000000000000000000000000000000000000001815906276361765;)
    end
    i64.reinterpret_f64
    global.set 3
    global.set 4
    i32.reinterpret_f32
    i32.xor
    global.set 4
    v128.const i32x4 0x1d465f6c 0x150bf868 0x7e5fcb59 0x863e8282
  )
  (func (;4;) (type 0) (param v128) (result v128)
    (local f64 f64 v128 v128 v128)
    global.get 5
    if ;; label = @1
      f64.const -0x1.5feb253d72a25p+429 (;=-1905769262315082000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
      local.get 0
      i32x4.bitmask
      loop ;; label = @2
        global.get 5
        if ;; label = @3
          loop (result f32) ;; label = @4
            f64.const -nan:0xfffffff800000 (;=NaN;)
            f64.const nan (;=NaN;)
            local.get 2
            local.get 2
            f64.eq
            select
            i64.const -536870913
            i64.eqz
            i32x4.splat
            loop ;; label = @5
              i64.const -4862804843379158221
              loop (result f32) ;; label = @6
                f32.const -0x1.9a528ap-84 (;=-0.00000000000000000000000008286395;)
              end
              i32.reinterpret_f32
              global.set 0
              global.set 1
            end
            global.set 2
            i64.reinterpret_f64
            global.set 3
            f32.const 0x1.p-143 (;=0.00000000000000000000000000000000000000000009;)
          end
          i32.reinterpret_f32
          global.set 0
        end
      end
      global.set 4
      i64.reinterpret_f64
      global.set 3
    end
    v128.const i32x4 0xffffffff 0xffffdfff 0x00000000 0xff800000
  )
  (func (;5;) (type 0) (param v128) (result v128)
    (local f64 v128 f32 f64 f64 f64 f32 f32 f32 f32 f32)
    global.get 5
    ref.null func
    i64.const -619360237493928706
    i64.const 4438496516513311789
    i64.eqz
    if (result f32) ;; label = @1
      f32.const -inf (;=-inf;)
      loop ;; label = @2
        loop (result f64) ;; label = @3
          global.get 5
          ref.null func
          f32.const 0x1.fcp-143 (;=0.000000000000000000000000000000000000000000178;)
          loop (result f64) ;; label = @4
            global.get 5
            if (result f64) ;; label = @5
              f32.const 0x1.fffp-137 (;=0.000000000000000000000000000000000000000011478;)
              local.get 1
              ref.null func
              local.get 1
              i64.trunc_f64_s
              ref.null func
              ref.is_null
              table.size 0
              f32.reinterpret_i32
              f32.const nan (;=NaN;)
              local.get 9
              local.get 9
              f32.eq
              select
              i64.const 16384
              i32.wrap_i64
              if ;; label = @6
                loop (result v128) ;; label = @7
                  block ;; label = @8
                    block ;; label = @9
                      local.get 0
                      i8x16.bitmask
                      global.set 4
                    end
                  end
                  v128.const i32x4 0xb94e8a75 0x8bc0b3b7 0x7afddb11 0xe4779cf9
                end
                global.set 2
              end
              i32.reinterpret_f32
              i32.xor
              global.set 4
              global.set 1
              drop
              i64.reinterpret_f64
              global.set 3
              i32.reinterpret_f32
              global.set 0
              f64.const -nan:0xfffffff000000 (;=NaN;)
            else
              f64.const 0x1.fffffcp-1052 (;=0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000041445225;)
            end
          end
          i64.reinterpret_f64
          global.set 3
          i32.reinterpret_f32
          global.set 0
          drop
          drop
          f64.const 0x1.73d6ca87cb2bp+14 (;=23797.69778363657;)
        end
        drop
      end
    else
      f32.const 0x1p-111 (;=0.000000000000000000000000000000000385186;)
    end
    i32.reinterpret_f32
    global.set 0
    global.set 1
    drop
    global.set 4
    v128.const i32x4 0x059c9495 0x3f591885 0xbce27ff0 0x96967a13
  )
  (func (;7;) (type 0) (param v128) (result v128)
    (local v128 f64 f64 f64 f64 f64 f32 f32 v128 f32 f32 f32 f32 f32 v128)
    block (result i32) ;; label = @1
      f64.const -0x1.008645594f924p-927 (;=-0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000008832484757856565;)
      f64.const nan (;=NaN;)
      f64.const nan (;=NaN;)
      local.get 3
      local.get 3
      f64.eq
      select
      i64.const 288230376151711743
      f32.const 0x1.fffffep+127 (;=340282350000000000000000000000000000000;)
      local.get 0
      i64x2.all_true
      i64.const -7857172140797207807
      f64.reinterpret_i64
      f64.const 0x1.76865edbfebf7p+257 (;=338804835144069850000000000000000000000000000000000000000000000000000000000000;)
      f64.le
      i32.ne
      i64.const -549755813889
      i32.const 45022923
      f64.const -0x1.f04e3ed45f71bp-370 (;=-0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000008061407127010605;)
      f64.const 0x1.976f5d3f26da4p-626 (;=0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000005715327222123344;)
      f32.demote_f64
      f32.const nan (;=NaN;)
      local.get 8
      local.get 8
      f32.eq
      select
      i64.const 536870911
      i32.const -280999849
      f32.convert_i32_s
      i64.trunc_f32_u
      f64.reinterpret_i64
      local.get 0
      v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000
      local.get 9
      v128.bitselect
      f64x2.extract_lane 0
      f64.lt
      global.set 4
      global.set 1
      i32.reinterpret_f32
      global.set 0
      i64.reinterpret_f64
      global.set 3
      global.set 4
      global.set 1
      global.set 4
      i32.reinterpret_f32
      global.set 0
      global.set 1
      i64.reinterpret_f64
      global.set 3
      i64.reinterpret_f64
      global.set 3
      i32.const -8193
    end
    unreachable
  )
)
